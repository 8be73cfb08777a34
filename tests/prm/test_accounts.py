from django.contrib.auth import authenticate

from tests.factories import UserFactory


def test_service_accounts_cannot_sign_in_even_with_a_password(db, rf, password):
    account = UserFactory(email="key-abc@service.invalid", is_service_account=True)
    account.set_password(password)
    account.save()
    assert authenticate(rf.get("/"), email=account.email, password=password) is None


def test_people_sign_in_with_their_email(db, rf, password):
    person = UserFactory(email="someone@acme.example")
    assert authenticate(rf.get("/"), email="someone@acme.example", password=password) == person


def test_open_sign_up_is_closed(client, db):
    response = client.get("/accounts/signup/")
    assert [t.name for t in response.templates][0] == "account/signup_closed.html"
    client.post("/accounts/signup/", {"email": "x@y.example", "password1": "a-Long-pass-123",
                                      "password2": "a-Long-pass-123"})  # fmt: skip
    from prm.models import User

    assert not User.objects.filter(email="x@y.example").exists()
