"""How the portal's searches match a word: the ``matches`` lookup (``name__matches="acme"``).

A word of three letters or more matches anywhere in the text, as ``icontains`` does. A word of
one or two letters matches the start of a word of the text (its start, or after a space, a dot,
an at sign or a hyphen): "GE" finds "GE Healthcare" and "ge.com", not "Strategic" and "Agency".
That is what someone typing a short name means, and the trigram indexes of the large lists can
serve it ("  g" and " ge" are trigrams of every word starting with "ge"), while a pair of letters
anywhere in a word has no trigram: program ops searching the million registrations for a rare
pair waited 3.4 s (and as long again for the count) for the whole list to be read newest first.

Every list page (``prm.lists.ListFilterSet``) and API list (``prm.api.filters.WordSearchFilter``)
searches this way, as do the other search boxes. Registered on text columns when the kernel app
is ready.
"""

from django.db.models import CharField, Lookup, TextField
from django.db.models.lookups import IContains, IStartsWith

SHORT_WORD = 3
WORD_STARTS = (" ", ".", "@", "-")


class Matches(Lookup):
    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        word = str(self.rhs)
        if len(word) >= SHORT_WORD:
            return compiler.compile(IContains(self.lhs, word))
        conditions: list[Lookup] = [IStartsWith(self.lhs, word)]
        conditions += [IContains(self.lhs, start + word) for start in WORD_STARTS]
        sql, params = [], []
        for condition in conditions:
            condition_sql, condition_params = compiler.compile(condition)
            sql.append(condition_sql)
            params.extend(condition_params)
        return f"({' OR '.join(sql)})", params


CharField.register_lookup(Matches)
TextField.register_lookup(Matches)
