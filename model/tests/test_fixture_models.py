"""The stdlib fixture models under __tests__/fixtures/<task>-model answer the documented shapes.

Each fixture's code/inference.py is loaded the way the local model server loads it (its code/
directory on sys.path) and run through model_fn, input_fn, predict_fn and output_fn.
"""

import importlib.util
import json
import math
import pathlib
import sys
import unittest
from types import ModuleType
from typing import Any, Dict

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "__tests__" / "fixtures"


def load_fixture(task: str) -> ModuleType:
    code = FIXTURES / f"{task}-model" / "code"
    sys.path.insert(0, str(code))
    spec = importlib.util.spec_from_file_location(f"fixture_{task.replace('-', '_')}", code / "inference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
        sys.path.remove(str(code))
    return module


class FixtureCase(unittest.TestCase):
    task = ""

    @classmethod
    def setUpClass(cls) -> None:
        cls.handlers = load_fixture(cls.task)
        cls.model = cls.handlers.model_fn(str(FIXTURES / f"{cls.task}-model"))

    def invoke(self, payload: Any) -> Any:
        handlers = self.handlers
        request = handlers.input_fn(json.dumps(payload), "application/json")
        return json.loads(handlers.output_fn(handlers.predict_fn(request, self.model), "application/json"))


class QuestionAnsweringFixtureTest(FixtureCase):
    task = "question-answering"

    def test_answers_are_context_spans_best_first_up_to_top_k(self):
        context = "Ann founded Kestrel Labs in Oslo."
        answers = self.invoke({"inputs": {"question": "Who founded it?", "context": context}, "parameters": {"top_k": 2}})
        self.assertEqual([answer["answer"] for answer in answers], ["founded", "Kestrel"])
        for answer in answers:
            self.assertEqual(context[answer["start"] : answer["end"]], answer["answer"])
        self.assertGreater(answers[0]["score"], answers[1]["score"])

    def test_a_list_gets_one_list_of_answers_per_item_in_order(self):
        items = [{"question": "q", "context": "short words"}, {"question": "q", "context": "a lengthy one"}]
        result = self.invoke({"inputs": items, "parameters": {"top_k": 1}})
        self.assertEqual([[answer["answer"] for answer in answers] for answers in result], [["short"], ["lengthy"]])

    def test_bad_input_is_refused_as_the_real_code_refuses_it(self):
        for payload in ({"inputs": {"question": "q"}}, {"inputs": {"question": "q", "context": "c"}, "parameters": {"top_k": 21}}):
            with self.subTest(payload=payload), self.assertRaises(ValueError):
                self.invoke(payload)

    def test_raise_hook_fails_predict(self):
        with self.assertRaises(ValueError):
            self.invoke({"inputs": [{"question": "__raise__", "context": "c"}]})


class SentencePairFixtureTest(FixtureCase):
    task = "sentence-pair-classification"

    def test_every_label_ranked_per_pair_in_order(self):
        pairs = [{"text": "the cat sat", "text_pair": "the cat sat"}, {"text": "the cat sat", "text_pair": "stocks fell"}]
        result = self.invoke({"inputs": pairs})
        self.assertEqual([ranking[0]["label"] for ranking in result], ["equivalent", "not_equivalent"])
        for ranking in result:
            self.assertEqual(sorted(item["label"] for item in ranking), ["equivalent", "not_equivalent"])
            self.assertAlmostEqual(sum(item["score"] for item in ranking), 1.0)

    def test_top_k_keeps_the_best_labels(self):
        self.assertEqual(len(self.invoke({"inputs": {"text": "a", "text_pair": "b"}, "parameters": {"top_k": 1}})), 1)

    def test_bad_input_is_refused_as_the_real_code_refuses_it(self):
        for payload in ({"inputs": [{"text": "a"}]}, {"inputs": {"text": "a", "text_pair": ""}}):
            with self.subTest(payload=payload), self.assertRaises(ValueError):
                self.invoke(payload)

    def test_raise_hook_fails_predict(self):
        with self.assertRaises(ValueError):
            self.invoke({"inputs": {"text": "__raise__", "text_pair": "b"}})


class Text2TextFixtureTest(FixtureCase):
    task = "text2text-generation"

    def test_one_generation_per_text_in_order_bounded_by_max_new_tokens(self):
        result = self.invoke({"inputs": ["one two three", "four five"], "parameters": {"max_new_tokens": 2, "num_beams": 2}})
        self.assertEqual(result, [{"generated_text": "three two"}, {"generated_text": "five four"}])

    def test_a_single_text_gets_a_single_generation(self):
        self.assertEqual(self.invoke({"inputs": "hello world"}), {"generated_text": "world hello"})

    def test_bad_input_is_refused_as_the_real_code_refuses_it(self):
        for payload in ({"inputs": "a", "parameters": {"num_beams": 9}}, {"inputs": "a", "parameters": {"repetition_penalty": 2}}, {"inputs": []}):
            with self.subTest(payload=payload), self.assertRaises(ValueError):
                self.invoke(payload)

    def test_raise_hook_fails_predict(self):
        with self.assertRaises(ValueError):
            self.invoke({"inputs": "__raise__"})


class FeatureExtractionFixtureTest(FixtureCase):
    task = "feature-extraction"

    def test_one_unit_vector_per_text_in_order(self):
        result = self.invoke({"inputs": ["alpha beta", "alpha beta", "gamma"]})
        self.assertEqual(len(result), 3)
        self.assertEqual(result[0], result[1])
        for vector in result:
            self.assertEqual(len(vector), 8)
            self.assertAlmostEqual(math.sqrt(sum(value * value for value in vector)), 1.0)

    def test_normalize_false_keeps_the_counts(self):
        self.assertEqual(sum(self.invoke({"inputs": "a b c", "parameters": {"normalize": False}})), 3.0)

    def test_bad_input_is_refused_as_the_real_code_refuses_it(self):
        for payload in ({"inputs": ["a", 1]}, {"inputs": "a", "parameters": {"normalize": "no"}}):
            with self.subTest(payload=payload), self.assertRaises(ValueError):
                self.invoke(payload)

    def test_raise_hook_fails_predict(self):
        with self.assertRaises(ValueError):
            self.invoke({"inputs": ["a", "__raise__"]})


del FixtureCase

if __name__ == "__main__":
    unittest.main()
