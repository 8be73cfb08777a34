from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Partner users join by invitation and staff are created by ops: no open sign-up."""

    def is_open_for_signup(self, request):
        return False
