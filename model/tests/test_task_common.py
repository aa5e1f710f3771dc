import json
import unittest

from model.tests.task_loader import load_task

load_task("sentence-pair-classification")  # puts model/tasks on sys.path, as code/ is in the container
import task_common  # noqa: E402


class DecodeJsonTest(unittest.TestCase):
    def test_decodes_bytes_with_a_charset_parameter(self):
        self.assertEqual(task_common.decode_json(b'{"a": 1}', "application/json; charset=utf-8"), {"a": 1})

    def test_rejections_name_the_problem(self):
        for body, content_type, fragment in [
            ("{}", "text/csv", "unsupported content type 'text/csv'"),
            ("{}", None, "unsupported content type None"),
            (b"\xff", "application/json", "not UTF-8"),
            ("{no", "application/json", "not valid JSON"),
        ]:
            with self.subTest(body=body, content_type=content_type):
                with self.assertRaisesRegex(task_common.InvalidInputError, fragment):
                    task_common.decode_json(body, content_type)


class EnvelopeTest(unittest.TestCase):
    def test_bare_payload_is_the_inputs(self):
        self.assertEqual(task_common.split_envelope(["a"], "strings"), (["a"], {}))

    def test_envelope_with_parameters(self):
        self.assertEqual(task_common.split_envelope({"inputs": "a", "parameters": {"x": 1}}, "s"), ("a", {"x": 1}))

    def test_bare_object_is_one_input_only_where_allowed(self):
        item = {"question": "q", "context": "c"}
        self.assertEqual(task_common.split_envelope(item, "s", bare_objects=True), (item, {}))
        with self.assertRaisesRegex(task_common.InvalidInputError, r"unknown field\(s\) \['context', 'question'\]"):
            task_common.split_envelope(item, "s")

    def test_missing_inputs_and_bad_parameters(self):
        with self.assertRaisesRegex(task_common.InvalidInputError, "missing field 'inputs' \\(strings\\)"):
            task_common.split_envelope({"parameters": {}}, "strings")
        with self.assertRaisesRegex(task_common.InvalidInputError, "'parameters' must be an object"):
            task_common.split_envelope({"inputs": "a", "parameters": [1]}, "strings")


class ListAndFieldsTest(unittest.TestCase):
    def test_as_list_bounds(self):
        self.assertEqual(task_common.as_list("a", "strings"), (["a"], True))
        with self.assertRaisesRegex(task_common.InvalidInputError, "must not be an empty list"):
            task_common.as_list([], "strings")
        with self.assertRaisesRegex(task_common.InvalidInputError, f"at most {task_common.MAX_INPUTS}"):
            task_common.as_list(["a"] * (task_common.MAX_INPUTS + 1), "strings")

    def test_require_fields_names_the_field(self):
        cases = [
            ("x", "inputs\\[2\\] must be an object with 'q', 'c', got str"),
            ({"q": "a"}, "inputs\\[2\\] is missing 'c'"),
            ({"q": "a", "c": "b", "d": 1}, "unknown field\\(s\\) \\['d'\\]"),
            ({"q": "a", "c": 3}, "inputs\\[2\\].c must be a string, got int"),
            ({"q": " ", "c": "b"}, "inputs\\[2\\].q must not be empty"),
        ]
        for value, fragment in cases:
            with self.subTest(value=value):
                with self.assertRaisesRegex(task_common.InvalidInputError, fragment):
                    task_common.require_fields(value, "inputs[2]", ("q", "c"))


class ParameterTest(unittest.TestCase):
    def test_numbers_within_bounds(self):
        self.assertEqual(task_common.int_parameter({"k": 3}, "k", 1, 5, 1), 3)
        self.assertEqual(task_common.int_parameter({}, "k", 1, 5, 1), 1)
        self.assertEqual(task_common.float_parameter({"t": 1}, "t", 0.0, 2.0, None), 1.0)
        for value in (0, 6, True, 2.5, "3"):
            with self.subTest(value=value):
                with self.assertRaisesRegex(task_common.InvalidInputError, "'parameters.k' must be an integer from 1 to 5"):
                    task_common.int_parameter({"k": value}, "k", 1, 5, 1)
        with self.assertRaisesRegex(task_common.InvalidInputError, "from 0.0 to 2.0"):
            task_common.float_parameter({"t": 2.1}, "t", 0.0, 2.0, None)
        with self.assertRaisesRegex(task_common.InvalidInputError, "true or false"):
            task_common.bool_parameter({"b": 1}, "b", False)

    def test_unknown_parameters_are_listed(self):
        with self.assertRaisesRegex(task_common.InvalidInputError, r"unsupported parameter\(s\) \['x'\]: accepted are \['a'\]"):
            task_common.check_parameters({"x": 1, "a": 2}, ("a",))


class BatchingTest(unittest.TestCase):
    def test_batches_group_similar_lengths_and_cover_every_index(self):
        lengths = [5, 1, 4, 2, 3]
        self.assertEqual(task_common.length_sorted_batches(lengths, 2), [[1, 3], [4, 2], [0]])

    def test_complete_refuses_a_hole_or_a_short_answer(self):
        self.assertEqual(task_common.complete([1, 2], 2), [1, 2])
        with self.assertRaisesRegex(RuntimeError, "3 inputs but results for 2"):
            task_common.complete([1, None, 2], 3)
        with self.assertRaisesRegex(RuntimeError, "3 inputs but results for 2"):
            task_common.complete([1, 2], 3)


class RankedAndLengthTest(unittest.TestCase):
    def test_softmax_ranked_highest_first(self):
        result = task_common.ranked([2.0, 0.0, 1.0], ["a", "b", "c"])
        self.assertEqual([item["label"] for item in result], ["a", "c", "b"])
        self.assertAlmostEqual(result[0]["score"], 0.66524096, places=6)

    def test_one_logit_gets_a_sigmoid(self):
        self.assertAlmostEqual(task_common.ranked([0.0], ["similar"])[0]["score"], 0.5)

    def test_max_sequence_length(self):
        self.assertEqual(task_common.max_sequence_length(int(1e30), 512), 512)
        self.assertEqual(task_common.max_sequence_length(256, 512), 256)
        self.assertEqual(task_common.max_sequence_length(512, None), 512)
        self.assertEqual(task_common.max_sequence_length(None, None), 512)

    def test_encode_json_accepts_json_or_any(self):
        self.assertEqual(json.loads(task_common.encode_json([1], "*/*")), [1])
        with self.assertRaisesRegex(task_common.InvalidInputError, "only application/json"):
            task_common.encode_json([1], "text/csv")


if __name__ == "__main__":
    unittest.main()
