import json
import math
import tempfile
import unittest

from model.tests.task_loader import HAS_TORCH, load_task

pairs = load_task("sentence-pair-classification")


def parse(payload):
    return pairs.input_fn(json.dumps(payload), "application/json")


class InputFnTest(unittest.TestCase):
    def test_one_bare_pair_or_a_list(self):
        self.assertEqual(parse({"text": "a", "text_pair": "b"}), pairs.Request([{"text": "a", "text_pair": "b"}], True, None))
        self.assertEqual(len(parse({"inputs": [{"text": "a", "text_pair": "b"}] * 3}).pairs), 3)

    def test_bad_requests_name_the_problem(self):
        for payload, fragment in [
            ({"inputs": [{"text": "a"}]}, "inputs\\[0\\] is missing 'text_pair'"),
            ({"inputs": ["a"]}, "inputs\\[0\\] must be an object"),
            ({"text": "a", "text_pair": ""}, "inputs.text_pair must not be empty"),
            ({"inputs": {"text": "a", "text_pair": "b"}, "parameters": {"top_k": 0}}, "positive integer"),
        ]:
            with self.subTest(payload=payload):
                with self.assertRaisesRegex(pairs.InvalidInputError, fragment):
                    parse(payload)


@unittest.skipUnless(HAS_TORCH, "torch and transformers are not installed")
class RealModelTest(unittest.TestCase):
    """A tiny random BertForSequenceClassification reading text pairs, loaded through model_fn."""

    @classmethod
    def setUpClass(cls):
        from model.tests.tiny_models import build_pair_classifier

        cls.tmp = tempfile.TemporaryDirectory()
        build_pair_classifier(cls.tmp.name)
        cls.bundle = pairs.model_fn(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def classify(self, payload):
        request = pairs.input_fn(json.dumps(payload), "application/json")
        return json.loads(pairs.output_fn(pairs.predict_fn(request, self.bundle), "application/json"))

    def expected(self, text, text_pair):
        import torch

        encoded = self.bundle.tokenizer(text, text_pair, truncation=True, max_length=512, return_tensors="pt")
        with torch.inference_mode():
            logits = self.bundle.model(**encoded).logits[0].tolist()
        exps = [math.exp(x) for x in logits]
        return {label: e / sum(exps) for label, e in zip(self.bundle.labels, exps)}

    def test_each_pair_is_scored_as_one_sequence_in_order(self):
        items = [{"text": "the bank rose", "text_pair": "the bank fell " * (i + 1)} for i in range(pairs.BATCH_SIZE + 2)]
        result = self.classify({"inputs": items})
        self.assertEqual(len(result), len(items))
        for item, ranked in zip(items, result):
            expected = self.expected(item["text"], item["text_pair"])
            self.assertEqual(sorted(entry["label"] for entry in ranked), ["equivalent", "not_equivalent"])
            for entry in ranked:
                self.assertAlmostEqual(entry["score"], expected[entry["label"]], places=5)

    def test_top_k_and_a_pair_longer_than_the_window(self):
        result = self.classify({"inputs": {"text": "profit " * 400, "text_pair": "loss " * 400}, "parameters": {"top_k": 1}})
        self.assertEqual(len(result), 1)


if __name__ == "__main__":
    unittest.main()
