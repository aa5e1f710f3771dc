import json
import os
import tempfile
import unittest

from model.tests.task_loader import HAS_TORCH, load_task

fe = load_task("feature-extraction")
from task_common import InvalidInputError  # noqa: E402  (importable once a task is loaded)

ST = "sentence_transformers.models."


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)


class InputFnTest(unittest.TestCase):
    def test_normalize_defaults_to_true(self):
        request = fe.input_fn('{"inputs": ["a", "b"]}', "application/json")
        self.assertEqual(request, fe.Request(["a", "b"], False, True))
        self.assertFalse(fe.input_fn('{"inputs": "a", "parameters": {"normalize": false}}', "application/json").normalize)

    def test_bad_requests_name_the_problem(self):
        for body, fragment in [
            ('{"inputs": [1]}', "inputs\\[0\\] must be a string"),
            ('{"inputs": "a", "parameters": {"normalize": 1}}', "normalize' must be true or false"),
            ('{"inputs": "a", "parameters": {"pooling": "cls"}}', "unsupported parameter"),
            ('{"input": "a"}', "unknown field"),
        ]:
            with self.subTest(body=body):
                with self.assertRaisesRegex(InvalidInputError, fragment):
                    fe.input_fn(body, "application/json")


class LayoutTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def modules(self, *entries):
        write(os.path.join(self.dir, "modules.json"), [{"idx": i, "path": p, "type": ST + t} for i, (t, p) in enumerate(entries)])

    def test_a_plain_encoder_is_mean_pooled(self):
        self.assertEqual(fe.read_layout(self.dir), fe.Layout(self.dir, ("mean",), None))

    def test_a_sentence_transformers_layout_gives_its_pooling_and_length(self):
        self.modules(("Transformer", "0_Transformer"), ("Pooling", "1_Pooling"), ("Normalize", "2_Normalize"))
        write(os.path.join(self.dir, "0_Transformer", "sentence_bert_config.json"), {"max_seq_length": 128})
        write(os.path.join(self.dir, "1_Pooling", "config.json"), {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True})
        layout = fe.read_layout(self.dir)
        self.assertEqual(layout, fe.Layout(os.path.join(self.dir, "0_Transformer"), ("cls", "mean"), 128))

    def test_modules_it_cannot_run_are_refused_by_name(self):
        self.modules(("Transformer", ""), ("Pooling", "1_Pooling"), ("Dense", "2_Dense"))
        write(os.path.join(self.dir, "1_Pooling", "config.json"), {"pooling_mode_mean_tokens": True})
        with self.assertRaisesRegex(RuntimeError, "module 'sentence_transformers.models.Dense' is not supported"):
            fe.read_layout(self.dir)

    def test_a_missing_pooling_config_or_mode_is_refused(self):
        self.modules(("Transformer", ""), ("Pooling", "1_Pooling"))
        with self.assertRaisesRegex(RuntimeError, "1_Pooling/config.json is missing"):
            fe.read_layout(self.dir)
        write(os.path.join(self.dir, "1_Pooling", "config.json"), {"pooling_mode_lasttoken": True})
        with self.assertRaisesRegex(RuntimeError, "pooling_mode_lasttoken is not supported"):
            fe.read_layout(self.dir)


@unittest.skipUnless(HAS_TORCH, "torch and transformers are not installed")
class RealModelTest(unittest.TestCase):
    """A tiny random BertModel in the sentence-transformers layout, loaded through model_fn."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, pooling="mean"):
        from model.tests.tiny_models import build_sentence_transformer

        build_sentence_transformer(self.tmp.name, pooling=pooling, max_seq_length=16)
        return fe.model_fn(self.tmp.name)

    def embed(self, bundle, payload):
        request = fe.input_fn(json.dumps(payload), "application/json")
        return json.loads(fe.output_fn(fe.predict_fn(request, bundle), "application/json"))

    def expected(self, bundle, text, pooling="mean", normalize=True):
        import torch

        encoded = bundle.tokenizer([text], truncation=True, max_length=16, return_tensors="pt")
        with torch.inference_mode():
            hidden = bundle.model(**encoded).last_hidden_state[0]
        vector = hidden[0] if pooling == "cls" else hidden.mean(dim=0)
        if normalize:
            vector = vector / vector.norm()
        return vector.tolist()

    def assertVectorsEqual(self, actual, expected):
        self.assertEqual(len(actual), len(expected))
        for a, b in zip(actual, expected):
            self.assertAlmostEqual(a, b, places=5)

    def test_one_unit_vector_per_input_in_order_as_if_each_were_alone(self):
        bundle = self.load()
        self.assertEqual(bundle.max_length, 16)
        texts = ["the bank", "paris is the capital of france and the river", "profit"] * 7
        vectors = self.embed(bundle, {"inputs": texts})
        self.assertEqual(len(vectors), len(texts))
        for text, vector in zip(texts, vectors):
            self.assertAlmostEqual(sum(x * x for x in vector), 1.0, places=5)
            self.assertVectorsEqual(vector, self.expected(bundle, text))

    def test_normalize_false_gives_the_raw_mean(self):
        bundle = self.load()
        vector = self.embed(bundle, {"inputs": "the bank rose", "parameters": {"normalize": False}})
        self.assertVectorsEqual(vector, self.expected(bundle, "the bank rose", normalize=False))

    def test_cls_pooling_from_the_pooling_config(self):
        bundle = self.load(pooling="cls")
        self.assertVectorsEqual(self.embed(bundle, "the bank rose"), self.expected(bundle, "the bank rose", pooling="cls"))

    def test_text_beyond_max_seq_length_is_truncated(self):
        bundle = self.load()
        long = "the bank rose " * 50
        self.assertVectorsEqual(self.embed(bundle, long), self.expected(bundle, long))


if __name__ == "__main__":
    unittest.main()
