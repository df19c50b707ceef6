"""A case names the decision catalogue item it carries out (`in_catalogue`, Decree 713 Art. 3(3))."""
import pytest

from engine.core.errors import InputError
from engine.core.yamlio import LoadedYaml
from engine.decisions.record import case_to_document, parse_case

BASE = {"id": "YL-2022-001", "title": "岳龙镇国土空间总体规划"}


def test_a_case_names_its_catalogue_and_item_and_keeps_them():
    case = parse_case(LoadedYaml({**BASE, "in_catalogue": {"catalogue": "2022/岳龙镇人民政府", "item": "1"}}), "c.yaml")
    assert case_to_document(case)["in_catalogue"] == {"catalogue": "2022/岳龙镇人民政府", "item": "1"}


@pytest.mark.parametrize("ref, where", [({"catalogue": "岳龙镇人民政府", "item": "1"}, "in_catalogue.catalogue"),
                                        ({"catalogue": "2022/岳龙镇人民政府"}, "in_catalogue.item"),
                                        ({"catalogue": "2022/岳龙镇人民政府", "item": "1", "page": 2}, "in_catalogue.page")])
def test_a_malformed_catalogue_reference_is_refused_naming_its_field(ref, where):
    with pytest.raises(InputError) as refused:
        parse_case(LoadedYaml({**BASE, "in_catalogue": ref}), "c.yaml")
    assert where in str(refused.value)
