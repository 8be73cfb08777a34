"""The ledger chain check of 0002, per statement instead of per row: one set-based query over the
inserted rows (a transition table) checks that every entry follows its predecessor, so a job
appending thousands of entries pays for one check, not thousands. Updates and deletes are still
refused row by row."""

from django.db import migrations

CREATE = """
DROP TRIGGER IF EXISTS mdf_ledger_chain ON mdf_ledgerentry;
DROP FUNCTION IF EXISTS mdf_ledger_check_chain();

CREATE OR REPLACE FUNCTION mdf_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'mdf ledger entries are append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER mdf_ledger_append_only
    BEFORE UPDATE OR DELETE ON mdf_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION mdf_ledger_append_only();

CREATE OR REPLACE FUNCTION mdf_ledger_check_chain() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.fund_id, n.sequence INTO bad
    FROM mdf_ledger_new n
    LEFT JOIN mdf_ledgerentry p ON p.fund_id = n.fund_id AND p.sequence = n.sequence - 1
    WHERE (n.sequence = 1 AND (n.available_after <> n.available_delta
                               OR n.committed_after <> n.committed_delta))
       OR (n.sequence > 1 AND (p.id IS NULL
                               OR n.available_after <> p.available_after + n.available_delta
                               OR n.committed_after <> p.committed_after + n.committed_delta))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'mdf ledger entry % of fund % does not follow from its predecessor', bad.sequence, bad.fund_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER mdf_ledger_chain
    AFTER INSERT ON mdf_ledgerentry
    REFERENCING NEW TABLE AS mdf_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION mdf_ledger_check_chain();
"""

DROP = """
DROP TRIGGER IF EXISTS mdf_ledger_chain ON mdf_ledgerentry;
DROP TRIGGER IF EXISTS mdf_ledger_append_only ON mdf_ledgerentry;
DROP FUNCTION IF EXISTS mdf_ledger_check_chain();
DROP FUNCTION IF EXISTS mdf_ledger_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("mdf", "0002_ledger_guard_trigger")]

    operations = [migrations.RunPython(create, drop)]
