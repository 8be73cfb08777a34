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

from django.db.models import CharField, Lookup, TextField, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan, IContains, IStartsWith

SHORT_WORD = 3
WORD_STARTS = (" ", ".", "@", "-")


class Matches(Lookup):
    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        word = str(self.rhs)
        if len(word) >= SHORT_WORD:
            return compiler.compile(IContains(self.lhs, word))
        # Holds the word, and at a word's start: a row without the word fails the first test
        # alone (a list read without a trigram index costs what a long word costs), and the
        # word-start tests are those a trigram index serves. The first is a position, not a
        # LIKE, so that the planner never reads a whole trigram index for it.
        holds: Lookup = GreaterThan(StrIndex(Upper(self.lhs), Upper(Value(word))), 0)
        contains_sql, params = compiler.compile(holds)
        params = list(params)
        starts: list[Lookup] = [IStartsWith(self.lhs, word)]
        starts += [IContains(self.lhs, start + word) for start in WORD_STARTS]
        sql = []
        for condition in starts:
            condition_sql, condition_params = compiler.compile(condition)
            sql.append(condition_sql)
            params = [*params, *condition_params]
        return f"({contains_sql} AND ({' OR '.join(sql)}))", params


CharField.register_lookup(Matches)
TextField.register_lookup(Matches)
