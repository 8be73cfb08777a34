"""Program settings are one row per model, read the same way everywhere."""

import pytest

from deals.models import DealProgramSettings
from enablement.models import EnablementSettings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [DealProgramSettings, EnablementSettings])
def test_settings_are_one_row_created_with_defaults_on_first_use(model):
    first = model.current()
    assert model.current().pk == first.pk
    assert model.objects.count() == 1


@pytest.mark.parametrize("model", [DealProgramSettings, EnablementSettings])
def test_saving_another_instance_changes_the_one_row(model):
    """A second row would be ignored by every reader; saving a new instance lands on the row."""
    model.current()
    model().save()
    assert model.objects.count() == 1
