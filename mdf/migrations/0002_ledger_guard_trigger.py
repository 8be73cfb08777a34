"""On PostgreSQL, the database itself checks the ledger chain (see ``mdf.models.funds``): an
entry's running balances must equal its predecessor's plus its own deltas, and entries are never
updated or deleted. SQLite relies on the constraints of 0001 and its single writer."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION mdf_ledger_check_chain() RETURNS trigger AS $$
DECLARE
    prev_available numeric;
    prev_committed numeric;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'mdf ledger entries are append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.sequence = 1 THEN
        prev_available := 0;
        prev_committed := 0;
    ELSE
        SELECT available_after, committed_after INTO prev_available, prev_committed
        FROM mdf_ledgerentry WHERE fund_id = NEW.fund_id AND sequence = NEW.sequence - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'mdf ledger entry % of fund % has no predecessor', NEW.sequence, NEW.fund_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF NEW.available_after <> prev_available + NEW.available_delta
       OR NEW.committed_after <> prev_committed + NEW.committed_delta THEN
        RAISE EXCEPTION 'mdf ledger entry % of fund % does not follow from its predecessor', NEW.sequence, NEW.fund_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER mdf_ledger_chain
    BEFORE INSERT OR UPDATE OR DELETE ON mdf_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION mdf_ledger_check_chain();
"""

DROP = """
DROP TRIGGER IF EXISTS mdf_ledger_chain ON mdf_ledgerentry;
DROP FUNCTION IF EXISTS mdf_ledger_check_chain();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("mdf", "0001_funds_ledger_requests")]

    operations = [migrations.RunPython(create, drop)]
