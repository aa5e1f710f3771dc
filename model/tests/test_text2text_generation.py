import json
import tempfile
import unittest

from model.tests.task_loader import HAS_TORCH, load_task

t2t = load_task("text2text-generation")
from task_common import InvalidInputError  # noqa: E402  (importable once a task is loaded)


def parse(payload):
    return t2t.input_fn(json.dumps(payload), "application/json")


class InputFnTest(unittest.TestCase):
    def test_a_string_or_a_list(self):
        self.assertEqual(parse({"inputs": "hi"}).texts, ["hi"])
        self.assertTrue(parse("hi").single)
        self.assertEqual(parse({"inputs": ["a", "b"]}).texts, ["a", "b"])

    def test_defaults_are_greedy_with_a_bounded_length(self):
        self.assertEqual(parse("hi").generation, {"max_new_tokens": t2t.DEFAULT_MAX_NEW_TOKENS, "num_beams": 1, "do_sample": False})

    def test_sampling_knobs_are_passed_only_when_sampling(self):
        sampled = parse({"inputs": "hi", "parameters": {"do_sample": True, "temperature": 0.7, "top_p": 0.9, "num_beams": 2}})
        self.assertEqual(sampled.generation, {"max_new_tokens": 64, "num_beams": 2, "do_sample": True, "temperature": 0.7, "top_p": 0.9})
        greedy = parse({"inputs": "hi", "parameters": {"temperature": 0.7, "top_p": 0.9}})
        self.assertEqual(greedy.generation["do_sample"], False)
        self.assertNotIn("temperature", greedy.generation)

    def test_temperature_zero_means_greedy(self):
        self.assertEqual(parse({"inputs": "hi", "parameters": {"do_sample": True, "temperature": 0}}).generation["do_sample"], False)

    def test_bad_requests_name_the_problem(self):
        cases = [
            ({"inputs": "hi", "parameters": {"max_new_tokens": 513}}, "max_new_tokens' must be an integer from 1 to 512"),
            ({"inputs": "hi", "parameters": {"max_new_tokens": 0}}, "from 1 to 512"),
            ({"inputs": "hi", "parameters": {"num_beams": 9}}, "num_beams' must be an integer from 1 to 8"),
            ({"inputs": "hi", "parameters": {"temperature": 2.5}}, "temperature' must be a number from 0.0 to 2.0"),
            ({"inputs": "hi", "parameters": {"top_p": -0.1}}, "top_p' must be a number from 0.0 to 1.0"),
            ({"inputs": "hi", "parameters": {"do_sample": "yes"}}, "do_sample' must be true or false"),
            ({"inputs": "hi", "parameters": {"max_length": 5}}, "unsupported parameter\\(s\\) \\['max_length'\\]"),
            ({"inputs": ["a", 1]}, "inputs\\[1\\] must be a string, got int"),
            ({"inputs": ""}, "inputs must not be empty"),
            ({"text": "hi"}, "unknown field\\(s\\) \\['text'\\]"),
        ]
        for payload, fragment in cases:
            with self.subTest(payload=payload):
                with self.assertRaisesRegex(InvalidInputError, fragment):
                    parse(payload)


@unittest.skipUnless(HAS_TORCH, "torch and transformers are not installed")
class RealModelTest(unittest.TestCase):
    """A tiny random T5 with a SentencePiece-style tokenizer trained offline, loaded through model_fn."""

    @classmethod
    def setUpClass(cls):
        from model.tests.tiny_models import build_t5

        cls.tmp = tempfile.TemporaryDirectory()
        build_t5(cls.tmp.name)
        cls.bundle = t2t.model_fn(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def generate(self, payload):
        request = t2t.input_fn(json.dumps(payload), "application/json")
        return json.loads(t2t.output_fn(t2t.predict_fn(request, self.bundle), "application/json"))

    def direct(self, text, **arguments):
        """What generate() gives for one text alone, without padding."""
        encoded = self.bundle.tokenizer([text], return_tensors="pt")
        output = self.bundle.model.generate(**encoded, **arguments)
        return self.bundle.tokenizer.batch_decode(output, skip_special_tokens=True)[0]

    def test_a_batch_answers_each_text_as_if_alone_in_order(self):
        texts = ["summarize: revenue rose", "translate English to German: the house is wonderful", "question: capital?"]
        result = self.generate({"inputs": texts, "parameters": {"max_new_tokens": 6}})
        self.assertEqual(len(result), 3)
        expected = [self.direct(text, max_new_tokens=6, num_beams=1, do_sample=False) for text in texts]
        self.assertEqual([item["generated_text"] for item in result], expected)
        self.assertTrue(all(item["generated_text"] for item in result))

    def test_max_new_tokens_bounds_the_output(self):
        def generated(limit):
            return self.generate({"inputs": "summarize: revenue rose", "parameters": {"max_new_tokens": limit}})["generated_text"]

        # Greedy search is prefix-stable: a shorter budget stops the same text earlier.
        short, long = generated(4), generated(12)
        self.assertTrue(long.startswith(short))
        self.assertLess(len(short), len(long))

    def test_beam_search_and_sampling_run(self):
        beams = self.generate({"inputs": ["a", "b"], "parameters": {"num_beams": 3, "max_new_tokens": 5}})
        sampled = self.generate({"inputs": "a", "parameters": {"do_sample": True, "temperature": 1.5, "top_p": 0.5, "max_new_tokens": 5}})
        self.assertEqual(len(beams), 2)
        self.assertIsInstance(sampled["generated_text"], str)

    def test_a_text_longer_than_the_window_is_truncated_not_refused(self):
        result = self.generate({"inputs": ["summarize: " + "revenue rose " * 1000], "parameters": {"max_new_tokens": 3}})
        self.assertEqual(len(result), 1)


if __name__ == "__main__":
    unittest.main()
