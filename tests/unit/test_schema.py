"""ModelSchema: normalising Scenario inputs[] and our own schemas, validation, coercion, request bodies."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from desktop_app.core.errors import UnknownModelError, ValidationError
from desktop_app.core.schema import model_schema as schema_module
from desktop_app.core.schema.model_schema import Choice, FieldType, ModelSchema, load_bundled

# Abridged real record, shared/api/scenario.md section 6.1.
MESHY = {"model": {
    "id": "model_meshy-7-img23d", "name": "Meshy 7 - Image to 3D", "shortDescription": "Meshy image to 3D",
    "type": "custom", "capabilities": ["img23d"], "tags": ["3d", "Meshy", "sc:featured"],
    "parameters": {}, "trainingProgress": {}, "updatedAt": "2026-01-02T03:04:05Z",
    "inputs": [
        {"name": "image", "type": "file_array", "kind": "image", "label": "Image", "maxLength": 4,
         "parent": True, "required": {"always": True}, "costImpact": False, "description": "Views"},
        {"name": "ultraMode", "type": "boolean", "default": False, "costImpact": True},
        {"name": "texturePrompt", "type": "string", "default": "", "maxLength": 600, "prompt": True},
        {"name": "textureImage", "type": "file", "kind": "image", "parent": True},
        {"name": "textureResolution", "type": "string", "allowedValues": ["2k", "4k", "8k"], "default": "2k",
         "costImpact": True},
        {"name": "poseMode", "type": "string", "allowedValues": ["", "a-pose", "t-pose"], "default": ""},
        {"name": "targetPolycount", "type": "number", "min": 100, "max": 300000, "default": 30000},
    ],
    "uiConfig": {"selects": {"textureResolution": {"2k": "2K", "4k": "4K", "8k": "8K"},
                             "poseMode": {"a-pose": "A-Pose", "t-pose": "T-Pose"},
                             "aiModel": {"meshy-7": "Meshy 7"}}},
}}

# Trellis-2-like bare model dict (no "model" wrapper), capabilities as {type} objects, a deprecation tag.
TRELLIS = {
    "id": "model_trellis-2", "name": "Trellis 2", "capabilities": [{"type": "img23d"}],
    "tags": ["deprecated:model_trellis-3"],
    "inputs": [
        {"name": "image", "type": "file", "kind": "image", "required": True},
        {"name": "resolution", "type": "number", "allowedValues": [512, 1024, 1536], "default": 1024},
        {"name": "ssGuidanceStrength", "type": "number", "min": 0, "max": 10, "default": 8.5},
        {"name": "ssSamplingSteps", "type": "number", "min": 1, "max": 50, "default": 20},
        {"name": "ssGuidanceRescale", "type": "number", "min": 0, "max": 1, "default": 0.7},
        {"name": "decimationTarget", "type": "number", "min": 100000, "max": 2000000, "default": 500000,
         "costImpact": True},
        {"name": "remesh", "type": "boolean", "default": True},
        {"name": "seed", "type": "number", "min": 0, "max": 2147483647},
        {"name": "mesh", "type": "model", "label": "Mesh"},
    ],
}

# Our hand-written form with the extension keys, Rodin-like.
RODIN = {
    "id": "hyper3d:rodin", "name": "Rodin", "provider": "hyper3d", "capabilities": ["img23d", "txt23d"],
    "inputs": [
        {"name": "images", "type": "file_array", "kind": "image", "maxLength": 5,
         "required": {"always": True}, "description": "Required if no prompt is given."},
        {"name": "prompt", "type": "string", "prompt": True, "default": "", "maxLength": 1024},
        {"name": "tier", "type": "string", "allowedValues": ["Regular", "Gen-2", "Gen-2.5-High"],
         "default": "Regular", "sendAlways": True, "costImpact": True},
        {"name": "mesh_mode", "type": "string", "allowedValues": ["Quad", "Raw"], "default": "Quad"},
        {"name": "quality_override", "type": "number", "min": 2000, "max": 200000, "advanced": True,
         "rangeIf": [
             {"when": {"tier": ["Gen-2"], "mesh_mode": ["Raw"]}, "min": 500, "max": 1000000, "default": 500000},
             {"when": {"tier": ["Gen-2.5-High"], "mesh_mode": ["Raw"]}, "min": 20000, "max": 2000000},
         ]},
        {"name": "hd_texture", "type": "boolean", "default": False,
         "enabledIf": {"tier": ["Gen-2", "Gen-2.5-High"]}, "disabledReason": "Only for Gen-2 tiers"},
        {"name": "geometry_instruct_mode", "type": "string", "allowedValues": ["faithful", "creative"],
         "default": "faithful", "enabledIf": {"tier": ["Gen-2.5-High"]}},
        {"name": "seed", "type": "number", "min": 0, "max": 65535, "advanced": True},
        {"name": "addons", "type": "string_array", "default": []},
        {"name": "bbox_condition", "type": "number_array", "maxLength": 3},
    ],
}


@pytest.fixture
def meshy() -> ModelSchema:
    return ModelSchema.from_dict(copy.deepcopy(MESHY))


@pytest.fixture
def trellis() -> ModelSchema:
    return ModelSchema.from_dict(copy.deepcopy(TRELLIS))


@pytest.fixture
def rodin() -> ModelSchema:
    return ModelSchema.from_dict(copy.deepcopy(RODIN))


def make(*inputs: dict) -> ModelSchema:
    return ModelSchema.from_dict({"id": "test:model", "name": "Test", "inputs": list(inputs)})


# ----------------------------------------------------------------- normalisation


def test_meshy_response_is_normalised(meshy: ModelSchema) -> None:
    assert meshy.id == "scenario:model_meshy-7-img23d"
    assert meshy.provider == "scenario"
    assert meshy.description == "Meshy image to 3D"
    assert meshy.capabilities == ("img23d",)
    assert meshy.updated_at == "2026-01-02T03:04:05Z"
    assert meshy.deprecated_by is None
    assert [f.name for f in meshy.fields] == [i["name"] for i in MESHY["model"]["inputs"]]
    image = meshy.field("image")
    assert (image.type, image.kind, image.max_length, image.required.always) == (
        FieldType.FILE_ARRAY, "image", 4, True)
    assert meshy.field("ultraMode").cost_impact
    assert meshy.field("texturePrompt").prompt
    assert meshy.field("targetPolycount").label == "Target polycount"  # humanised fallback
    with pytest.raises(KeyError):
        meshy.field("aiModel")  # a selects key that is not an input is ignored


def test_selects_give_labels_and_empty_value_shows_default(meshy: ModelSchema) -> None:
    assert meshy.field("textureResolution").choices == (
        Choice("2k", "2K"), Choice("4k", "4K"), Choice("8k", "8K"))
    assert meshy.field("poseMode").choices == (
        Choice("", "Default"), Choice("a-pose", "A-Pose"), Choice("t-pose", "T-Pose"))


def test_bare_model_dict_capability_objects_and_deprecation(trellis: ModelSchema) -> None:
    assert trellis.id == "scenario:model_trellis-2"
    assert trellis.capabilities == ("img23d",)
    assert trellis.deprecated_by == "scenario:model_trellis-3"
    assert ModelSchema.from_dict(TRELLIS, model_id="scenario:other").id == "scenario:other"


def test_integer_inference(trellis: ModelSchema) -> None:
    assert trellis.field("ssSamplingSteps").integer
    assert trellis.field("decimationTarget").integer
    assert trellis.field("seed").integer  # bounds only, no default
    assert not trellis.field("ssGuidanceStrength").integer  # 8.5 default
    assert not trellis.field("ssGuidanceRescale").integer
    assert trellis.field("resolution").choices == (Choice(512, "512"), Choice(1024, "1024"), Choice(1536, "1536"))
    explicit = make({"name": "scale", "type": "number", "min": 1, "max": 10, "default": 5, "integer": False})
    assert not explicit.field("scale").integer


def test_unknown_types_are_kept_but_unsupported(trellis: ModelSchema) -> None:
    mesh = trellis.field("mesh")
    assert mesh.type == FieldType.UNSUPPORTED
    assert "mesh" not in trellis.defaults()
    assert trellis.build_body({}, {"image": ["asset_1"]}) == {"image": "asset_1"}
    odd = make({"name": "x", "type": "hologram"}, {"type": "string"}, "not a dict", {"name": "y"})
    assert [f.name for f in odd.fields] == ["x", "y"]
    assert odd.field("y").type == FieldType.STRING  # type missing: treated as text


def test_image_helpers(meshy: ModelSchema, trellis: ModelSchema, rodin: ModelSchema) -> None:
    assert [f.name for f in meshy.image_fields()] == ["image", "textureImage"]
    assert meshy.max_images() == 5
    assert meshy.min_images() == 1
    assert trellis.max_images() == 1
    assert rodin.max_images() == 5
    assert rodin.min_images() == 0  # relaxed: a prompt can stand in
    no_limit = make({"name": "images", "type": "file_array"})
    assert no_limit.max_images() == 5
    assert make({"name": "prompt", "type": "string"}).max_images() == 0
    assert meshy.assign_images(["a", "b", "c", "d", "e"]) == {"image": ["a", "b", "c", "d"], "textureImage": ["e"]}


def test_prompt_field(meshy: ModelSchema, rodin: ModelSchema, trellis: ModelSchema) -> None:
    assert rodin.prompt_field().name == "prompt"
    assert meshy.prompt_field().name == "texturePrompt"
    assert trellis.prompt_field() is None


# ----------------------------------------------------------------- required forms


def test_required_forms() -> None:
    s = make(
        {"name": "a", "type": "string", "required": True},
        {"name": "b", "type": "string", "required": {"always": True}},
        {"name": "c", "type": "string", "required": {"ifDefined": {"a": True}}},
        {"name": "d", "type": "string", "required": {"ifNotDefined": {"e": True}}},
        {"name": "e", "type": "string", "required": {"ifNotDefined": {"d": True}}},
        {"name": "f", "type": "string", "required": {"ifNotDefined": {"ghost": True}}},
        {"name": "g", "type": "string", "required": False},
    )
    assert s.field("a").required and s.field("b").required
    assert s.field("c").required.if_defined == ("a",) and not s.field("c").required
    assert s.field("d").required.if_not_defined == ("e",)
    assert s.field("f").required.always  # either-or partner missing from the schema
    assert not s.field("g").required
    errors = s.validate({"a": "x", "b": "y", "f": "z"})
    assert errors == {"c": "Needed when \u201cA\u201d is set.", "d": "Fill in this or \u201cE\u201d.",
                      "e": "Fill in this or \u201cD\u201d."}
    assert s.validate({"a": "x", "b": "y", "c": "w", "e": "v", "f": "z"}) == {}
    assert s.validate({"b": "y", "d": "v", "f": "z"}) == {"a": "Please fill this in."}


def test_lying_required_image_is_relaxed_into_image_or_prompt(rodin: ModelSchema) -> None:
    images = rodin.field("images")
    assert not images.required.always
    assert images.required.if_not_defined == ("prompt",)
    assert rodin.validate({}) == {"images": "Add an image or write a prompt."}
    assert rodin.validate({"prompt": "a red chair"}) == {}
    assert rodin.validate({}, image_count=2) == {}
    honest = make({"name": "image", "type": "file", "required": True, "description": "The input view"},
                  {"name": "prompt", "type": "string"})
    assert honest.field("image").required.always
    assert honest.validate({"prompt": "x"}) == {"images": "Add an image."}


def test_image_count_messages(trellis: ModelSchema, meshy: ModelSchema) -> None:
    assert trellis.validate({}, image_count=2) == {"images": "This model takes only one image."}
    assert meshy.validate({}, image_count=6) == {"images": "This model takes at most 5 images."}
    text_only = make({"name": "prompt", "type": "string", "required": True})
    assert text_only.validate({"prompt": "x"}, image_count=1) == {
        "images": "This model does not use images. Remove them or choose another model."}


# ----------------------------------------------------------------- enabledIf / rangeIf


def test_enabled_if(rodin: ModelSchema) -> None:
    assert rodin.is_enabled("hd_texture", {}) == (False, "Only for Gen-2 tiers")
    assert rodin.is_enabled("hd_texture", {"tier": "Gen-2"}) == (True, "")
    enabled, reason = rodin.is_enabled("geometry_instruct_mode", {"tier": "Regular"})
    assert not enabled and reason == "Only available when \u201cTier\u201d is Gen-2.5-High."
    assert rodin.is_enabled("prompt", {}) == (True, "")


def test_range_if(rodin: ModelSchema) -> None:
    assert rodin.effective_range("quality_override", {}) == (2000, 200000)
    assert rodin.effective_range("quality_override", {"tier": "Gen-2", "mesh_mode": "Raw"}) == (500, 1000000)
    assert rodin.effective_range("quality_override", {"tier": "Gen-2"}) == (2000, 200000)  # mesh_mode Quad
    assert rodin.effective_range("quality_override", {"tier": "Gen-2.5-High", "mesh_mode": "Raw"}) == (
        20000, 2000000)
    assert rodin.effective_default("quality_override", {"tier": "Gen-2", "mesh_mode": "Raw"}) == 500000
    assert rodin.field("quality_override").integer
    values = {"tier": "Gen-2", "mesh_mode": "Raw", "quality_override": 800000}
    assert rodin.validate(values, image_count=1) == {}
    assert rodin.validate({**values, "mesh_mode": "Quad"}, image_count=1) == {
        "quality_override": "Must be between 2,000 and 200,000."}


# ----------------------------------------------------------------- coerce


def test_coerce_cli_strings(meshy: ModelSchema, trellis: ModelSchema, rodin: ModelSchema) -> None:
    assert meshy.coerce({"ultraMode": "true", "targetPolycount": "12", "textureResolution": "4K",
                         "poseMode": "default", "texturePrompt": "shiny"}) == {
        "ultraMode": True, "targetPolycount": 12, "textureResolution": "4k", "poseMode": "",
        "texturePrompt": "shiny"}
    assert isinstance(meshy.coerce({"targetPolycount": "3e4"})["targetPolycount"], int)
    assert meshy.coerce({"ultraMode": "No"}) == {"ultraMode": False}
    assert trellis.coerce({"ssGuidanceStrength": "0.5", "resolution": "1536"}) == {
        "ssGuidanceStrength": 0.5, "resolution": 1536}
    assert rodin.coerce({"bbox_condition": "100, 320, 100", "addons": "HighPack"}) == {
        "bbox_condition": [100, 320, 100], "addons": ["HighPack"]}
    assert rodin.coerce({"bbox_condition": "[1, 2.5]"}) == {"bbox_condition": [1, 2.5]}


@pytest.mark.parametrize(("values", "name", "message"), [
    ({"ultraMode": "maybe"}, "ultraMode", "Use true or false."),
    ({"targetPolycount": "lots"}, "targetPolycount", "Must be a number."),
    ({"targetPolycount": "12.5"}, "targetPolycount", "Must be a whole number."),
    ({"colour": "red"}, "colour", "This model has no setting called \u201ccolour\u201d."),
    ({"image": "a.png"}, "image", "Images are added separately, not as a setting."),
])
def test_coerce_rejects(meshy: ModelSchema, values: dict, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        meshy.coerce(values)
    assert info.value.fields == {name: message}


# ----------------------------------------------------------------- validate


def test_validate_messages(meshy: ModelSchema, trellis: ModelSchema) -> None:
    assert meshy.validate(meshy.defaults(), image_count=1) == {}
    errors = meshy.validate({"targetPolycount": 5, "textureResolution": "3k", "texturePrompt": "x" * 601,
                             "ultraMode": "yes", "bogus": 1}, image_count=1)
    assert errors == {
        "targetPolycount": "Must be between 100 and 300,000.",
        "textureResolution": "Choose one of: 2K, 4K, 8K.",
        "texturePrompt": "Too long: use at most 600 characters (now 601).",
        "ultraMode": "Must be on or off.",
        "bogus": "This model has no setting called \u201cbogus\u201d.",
    }
    assert trellis.validate({"ssSamplingSteps": 2.5, "resolution": 999}, 1) == {
        "ssSamplingSteps": "Must be a whole number.", "resolution": "Choose one of: 512, 1024, 1536."}
    assert trellis.validate({"seed": "abc"}, 1) == {"seed": "Must be a number."}
    one_sided = make({"name": "n", "type": "number", "min": 0.5})
    assert one_sided.validate({"n": 0.1}) == {"n": "Must be at least 0.5."}


def test_disabled_fields_are_not_validated_or_sent(rodin: ModelSchema) -> None:
    values = {"prompt": "chair", "tier": "Regular", "geometry_instruct_mode": "wild", "hd_texture": True}
    assert rodin.validate(values) == {}
    assert rodin.build_body(values) == {"prompt": "chair", "tier": "Regular"}
    body = rodin.build_body({**values, "tier": "Gen-2"})
    assert body["hd_texture"] is True and "geometry_instruct_mode" not in body


# ----------------------------------------------------------------- build_body


def test_build_body_rules(meshy: ModelSchema, rodin: ModelSchema) -> None:
    body = meshy.build_body(
        {"ultraMode": False, "texturePrompt": "", "poseMode": "", "targetPolycount": 30000.0,
         "textureResolution": "4k"},
        {"image": ["asset_a", "asset_b"], "textureImage": ["asset_t"]},
    )
    assert body == {"image": ["asset_a", "asset_b"], "ultraMode": False, "textureImage": "asset_t",
                    "textureResolution": "4k", "targetPolycount": 30000}
    assert isinstance(body["targetPolycount"], int)
    assert meshy.build_body({"targetPolycount": 0}) == {"targetPolycount": 0}  # 0 is a value, not "unset"
    assert meshy.build_body({"targetPolycount": "250"}) == {"targetPolycount": 250}
    # Unset optionals are left out; send_always fields are sent with their default.
    assert rodin.build_body({}) == {"tier": "Regular"}
    assert rodin.build_body({"addons": [], "seed": None, "prompt": ""}, {"images": []}) == {"tier": "Regular"}
    assert rodin.build_body({"addons": ("HighPack",)}, {"images": "a.png"}) == {
        "images": ["a.png"], "tier": "Regular", "addons": ["HighPack"]}


# ----------------------------------------------------------------- JSON form


@pytest.mark.parametrize("raw", [MESHY, TRELLIS, RODIN])
def test_to_json_round_trips(raw: dict) -> None:
    first = ModelSchema.from_dict(copy.deepcopy(raw))
    data = first.to_json()
    json.dumps(data)  # plain JSON, printable by the CLI
    second = ModelSchema.from_dict(json.loads(json.dumps(data)))
    assert second == first
    assert second.to_json() == data


def test_load_and_load_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rodin: ModelSchema) -> None:
    path = tmp_path / "schemas" / "rodin-test.json"
    path.parent.mkdir()
    path.write_text(json.dumps(rodin.to_json()), encoding="utf-8")
    assert ModelSchema.load(path) == rodin
    monkeypatch.setattr(schema_module, "resource_path", lambda rel: tmp_path / rel)
    assert load_bundled("rodin-test") == rodin
    with pytest.raises(UnknownModelError):
        load_bundled("nothing-here")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(Exception, match="cannot be read"):
        ModelSchema.load(broken)


def test_every_bundled_schema_loads_round_trips_and_accepts_its_defaults() -> None:
    from desktop_app.resources import resource_path

    paths = sorted(resource_path("schemas").glob("*.json"))
    for path in paths:
        loaded = load_bundled(path.stem)
        assert ModelSchema.from_dict(loaded.to_json()) == loaded, path.name
        images = 1 if loaded.image_fields() else 0
        assert loaded.validate(loaded.defaults(), image_count=images) == {}, path.name
        loaded.build_body(loaded.defaults())


def test_required_conditional_if_defined_and_if_not_defined() -> None:
    """The three rule kinds of scenario-sdk's ModelInputRequired (types/model_retrieve_response.py)."""
    s = ModelSchema.from_dict({"id": "model_x", "inputs": [
        {"name": "image", "type": "file", "kind": "image", "required": {"ifNotDefined": {"prompt": "Add one"}}},
        {"name": "prompt", "type": "string", "prompt": True, "required": {"ifNotDefined": {"image": "Add one"}}},
        {"name": "mode", "type": "string", "allowedValues": ["auto", "custom", "pro"], "default": "auto"},
        {"name": "level", "type": "string", "allowedValues": ["low", "high"]},
        {"name": "faces", "type": "number", "min": 1, "max": 10,
         "required": {"conditional": {"values": {"mode": ["custom", "pro"]}, "operator": "or"}}},
        {"name": "both", "type": "number",
         "required": {"conditional": {"values": {"mode": ["pro"], "level": ["high"]}, "operator": "and"}}},
        {"name": "seed", "type": "number", "required": {"ifDefined": {"level": "needs a seed"}}},
        {"name": "ghost", "type": "number", "required": {"conditional": {"values": {"hidden": ["x"]}}}},
    ]})
    assert s.validate({"prompt": "a cat"}) == {}
    assert s.validate({}) == {"images": "Add an image or write a prompt."}
    assert s.validate({"prompt": "a", "mode": "custom"}) == {"faces": "Needed when “Mode” is custom or pro."}
    assert s.required_now("faces", {"mode": "pro"}) and not s.required_now("faces", {})
    errors = s.validate({"prompt": "a", "mode": "pro", "faces": 3, "level": "high"})
    assert set(errors) == {"both", "seed"}  # "and": both conditions hold; ifDefined: level is set
    assert "both" not in s.validate({"prompt": "a", "mode": "pro", "faces": 3, "level": "low", "seed": 1})
    assert not s.field("ghost").required.when_values  # a condition on an input nobody can set never holds
    again = ModelSchema.from_dict(s.to_json())
    assert again.field("both").required == s.field("both").required  # survives the cache round trip


def test_parameters_stand_in_when_a_model_has_no_inputs() -> None:
    """scenario-labs/blender-plugin sdk_adapter.estimate_model reads ``parameters`` when ``inputs`` is absent."""
    listed = ModelSchema.from_dict({"id": "model_p", "parameters": [
        {"name": "image", "type": "file", "kind": "image", "required": {"always": True}},
        {"name": "steps", "type": "number", "default": 20}]})
    assert [f.name for f in listed.fields] == ["image", "steps"]
    keyed = ModelSchema.from_dict({"id": "model_q", "parameters": {"steps": {"type": "number", "default": 5}}})
    assert keyed.field("steps").default == 5
    assert ModelSchema.from_dict({"id": "model_r", "inputs": [], "parameters": [{"name": "x"}]}).fields == ()
