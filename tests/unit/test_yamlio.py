"""Reading YAML (1.2 core schema) and JSON documents: data, lines, and every refusal."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.errors import InputError, Problem, format_path
from engine.core.yamlio import MAX_DEPTH, load_document, load_json, load_yaml


def refusal(load, text, filename="f.yaml") -> str:
    with pytest.raises(InputError) as caught:
        load(text, filename)
    return str(caught.value)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("on", "on"),
        ("off", "off"),
        ("yes", "yes"),
        ("no", "no"),
        ("y", "y"),
        ("n", "n"),
        ("Yes", "Yes"),
        ("tRue", "tRue"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        ("12", 12),
        ("+12", 12),
        ("-3", -3),
        ("012", 12),
        ("0o12", 10),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1.5e3", 1500.0),
        ("-.5", -0.5),
        ("1e5", 100000.0),
        (".inf", math.inf),
        ("-.INF", -math.inf),
        ("1:30", "1:30"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("2021-03-01", "2021-03-01"),
        ("2021-02-30", "2021-02-30"),
        ("2021-03-01T10:00:00", "2021-03-01T10:00:00"),
        ('"true"', "true"),
        ("'12'", "12"),
        ("!!str 12", "12"),
        ("!!float 3", 3.0),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(scalar, expected):
    assert load_yaml(f"value: {scalar}\n", "f.yaml").data == {"value": expected}


def test_nan_is_read_as_a_float_nan():
    assert math.isnan(load_yaml("v: .NaN\n", "f.yaml").data["v"])


def test_lines_are_recorded_for_keys_and_list_items():
    text = (
        "id: x\nexpert_review:\n  experts:\n    - name: W\n      institution: T\n    - {name: L}\n"
    )
    loaded = load_yaml(text, "f.yaml")
    assert loaded.line_of(()) == 1
    assert loaded.line_of(("id",)) == 1
    assert loaded.line_of(("expert_review", "experts")) == 3
    assert loaded.line_of(("expert_review", "experts", 0)) == 4
    assert loaded.line_of(("expert_review", "experts", 0, "institution")) == 5
    assert loaded.line_of(("expert_review", "experts", 1, "name")) == 6
    assert loaded.line_of(("nowhere",)) is None


def test_an_empty_document_is_null():
    assert load_yaml("# nothing here\n", "f.yaml").data is None


def test_a_byte_order_mark_in_the_text_is_ignored():
    assert load_yaml("\ufeffa: 1\n", "f.yaml").data == {"a": 1}


def test_a_duplicate_key_is_refused_naming_both_lines_and_its_path():
    message = refusal(load_yaml, "a: 1\nb:\n  c: 1\n  c: 2\n")
    assert 'f.yaml:4: b.c: 重复的键 "c"（第 3 行和第 4 行）' in message
    assert 'duplicate key "c" (lines 3 and 4)' in message


def test_every_duplicate_key_is_reported_at_once():
    message = refusal(load_yaml, "a: 1\nb: 2\na: 3\nb: 4\n")
    assert "f.yaml:3: a:" in message and "f.yaml:4: b:" in message


@pytest.mark.parametrize(
    ("text", "shown"),
    [("1: v", "1"), ("true: v", "true"), ("null: v", "null"), ("? [x]\n: v", "a list")],
)
def test_a_key_that_is_not_text_is_refused(text, shown):
    assert "f.yaml:1: (root): 键应为文本" in refusal(load_yaml, text)
    assert f"keys must be text, got {shown}" in refusal(load_yaml, text)


def test_anchors_and_aliases_are_refused_so_a_yaml_bomb_cannot_expand():
    bomb = 'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n'
    message = refusal(load_yaml, bomb)
    assert (
        "f.yaml:1: (root): 不支持锚点" in message
        and "anchors (&) and aliases (*) are not supported" in message
    )


def test_nesting_deeper_than_the_limit_is_refused():
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert f"nesting deeper than {MAX_DEPTH} levels" in refusal(load_yaml, deep)


def test_merge_keys_are_not_special():
    assert load_yaml("<<: {a: 1}\n", "f.yaml").data == {"<<": {"a": 1}}


@pytest.mark.parametrize(
    "tagged", ["!!timestamp 2021-01-01", "!!python/object:os.system x", "!local x", "!!binary aGk="]
)
def test_tags_outside_the_core_schema_are_refused(tagged):
    assert "unsupported tag" in refusal(load_yaml, f"a: {tagged}\n")


def test_a_core_tag_on_a_value_that_does_not_fit_is_refused():
    assert 'f.yaml:1: a: 值 "abc" 不符合 !!int' in refusal(load_yaml, "a: !!int abc\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: c: d\n", 2),
        ("a: [1,\n", 2),
        ("a: 1\n---\nb: 2\n", 2),
        ('a: "open\n', 2),
        ("a:\n\tb: 1\n", 2),
    ],
)
def test_a_syntax_error_names_the_file_and_the_line(text, line):
    message = refusal(load_yaml, text)
    assert message.startswith(f"f.yaml:{line}: (root): YAML 语法错误 / YAML syntax error: ")
    assert "Traceback" not in message


def test_a_control_character_is_refused_with_its_line():
    assert "f.yaml:2: (root): 包含不允许的字符 #x0007" in refusal(load_yaml, "a: 1\nb: \x07\n")


def test_json_gives_plain_data_and_lines_where_it_can():
    loaded = load_json('\ufeff{\n  "a": [1, {"b": null}],\n  "c": "yes"\n}\n', "f.json")
    assert loaded.data == {"a": [1, {"b": None}], "c": "yes"}
    assert loaded.line_of(("a", 1, "b")) == 2 and loaded.line_of(("c",)) == 3


def test_a_valid_json_file_is_read_once_and_its_lines_only_when_asked(monkeypatch):
    import engine.core.yamlio as yamlio
    read_as_yaml = []
    real = yamlio.load_yaml
    monkeypatch.setattr(yamlio, "load_yaml", lambda text, name: read_as_yaml.append(1) or real(text, name))
    loaded = load_json('{\n  "a": {"b": [1, 2]},\n  "c": "是"\n}', "f.json")
    assert loaded.data == {"a": {"b": [1, 2]}, "c": "是"} and read_as_yaml == []
    assert loaded.line_of(("c",)) == 3 and loaded.line_of(("a", "b", 1)) == 2 and read_as_yaml == [1]
    assert loaded.line_of(("a",)) == 2 and read_as_yaml == [1]          # found once, kept


def test_an_escaped_surrogate_pair_is_one_character():
    assert load_json('{"c": "\\ud83d\\ude00"}', "f.json").data == {"c": "\U0001f600"}


@pytest.mark.parametrize("text", ['{"a": {"b": 1, "b": 2}}', '[{"k": 1}, {"k": 1, "k": 1}]'])
def test_a_repeated_key_anywhere_is_refused_with_its_path(text):
    assert 'duplicate key "' in refusal(load_json, text, "f.json")


@pytest.mark.parametrize("text", ['{"a": "\\ud800"}', '{"a": ["x", "\\uDFFF"]}', '{"a": "\ud800"}'])
def test_a_lone_surrogate_escaped_or_raw_is_refused_with_its_path(text):
    assert "f.json: a" in refusal(load_json, text, "f.json")


def test_json_with_tabs_still_loads_even_without_lines():
    assert load_json('{"a":\t1}', "f.json").data == {"a": 1}


def test_a_duplicate_json_key_is_refused_with_its_path():
    message = refusal(load_json, '{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}', "f.json")
    assert 'f.json: b.c: 重复的键 "c" / duplicate key "c"' in message and "f.json: a:" in message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(constant):
    assert "is not allowed in JSON" in refusal(load_json, f'{{"a": {constant}}}', "f.json")


def test_a_json_syntax_error_names_the_line():
    assert refusal(load_json, '{\n"a": 1,\n}', "f.json").startswith(
        "f.json:3: (root): JSON 语法错误 / JSON syntax error"
    )


def test_deeply_nested_json_is_refused_without_a_traceback():
    assert "nesting too deep" in refusal(load_json, "[" * 100_000 + "]" * 100_000, "f.json")


# YAML's printable set: no control, surrogate, unassigned or line/paragraph-separator characters
printable = st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(printable),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(printable, max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.slow
@given(json_values)
def test_json_text_read_as_yaml_gives_the_same_data(value):
    text = json.dumps({"v": value}, ensure_ascii=False)
    assert load_yaml(text, "f.yaml").data == load_json(text, "f.json").data == json.loads(text)


def test_a_document_is_chosen_by_its_suffix(tmp_path):
    (tmp_path / "a.YML").write_text("a: on\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"a": "on"}', encoding="utf-8")
    assert (
        load_document(tmp_path / "a.YML").data
        == load_document(tmp_path / "b.json").data
        == {"a": "on"}
    )


def test_a_utf8_byte_order_mark_in_a_file_is_allowed(tmp_path):
    (tmp_path / "a.yaml").write_bytes("\ufeffa: 岳龙\n".encode())
    assert load_document(tmp_path / "a.yaml").data == {"a": "岳龙"}


def test_another_suffix_is_refused(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"case\.txt: \(root\): 不支持的文件类型 \"\.txt\""):
        load_document(path)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(
        InputError,
        match=r"missing\.yaml: \(root\): 无法读取文件：文件不存在 / cannot read the file",
    ):
        load_document(tmp_path / "missing.yaml")


def test_a_directory_is_an_input_error(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(InputError, match="无法读取文件"):
        load_document(tmp_path / "dir.yaml")


def test_invalid_utf8_is_refused_naming_the_file_and_line(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("id: x\ntitle: 岳龙镇\n".encode("gb18030"))
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}:2: (root): 不是有效的 UTF-8 编码")
    assert "not valid UTF-8" in str(caught.value)


def test_an_input_error_renders_one_line_per_problem():
    error = InputError(
        [Problem("a.yaml", "x.y", "坏 / bad", 3), Problem("a.yaml", "(root)", "缺 / missing", None)]
    )
    assert str(error) == "a.yaml:3: x.y: 坏 / bad\na.yaml: (root): 缺 / missing"
    assert error.problems[0].line == 3


def test_paths_are_dotted_with_list_indices_in_brackets():
    assert format_path(("expert_review", "experts", 0, "name")) == "expert_review.experts[0].name"
    assert format_path(()) == "(root)"
