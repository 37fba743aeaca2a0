"""survey.schema.MIN_GROUP_SIZE and its one range check."""

from __future__ import annotations

import numpy as np
import pytest

from survey.errors import DataError
from survey.schema import MIN_GROUP_SIZE, check_min_group_size


def test_default_and_accepted_values():
    assert MIN_GROUP_SIZE == 5
    assert check_min_group_size(2) == 2
    assert check_min_group_size(np.int64(7)) == 7 and type(check_min_group_size(np.int64(7))) is int


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, "5", None, True])
def test_bad_values_name_the_value(bad):
    with pytest.raises(DataError, match=rf"min_group_size: got {bad!r}.*at least 2"):
        check_min_group_size(bad)
    with pytest.raises(ValueError):
        check_min_group_size(bad)
