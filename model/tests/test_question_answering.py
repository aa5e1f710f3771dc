import json
import tempfile
import unittest
from types import SimpleNamespace

from model.tests.task_loader import HAS_TORCH, load_task

qa = load_task("question-answering")


def parse(payload):
    return qa.input_fn(json.dumps(payload), "application/json")


class InputFnTest(unittest.TestCase):
    def test_one_bare_item(self):
        request = parse({"question": "who?", "context": "Ann."})
        self.assertEqual(request, qa.Request([{"question": "who?", "context": "Ann."}], True, 1, qa.DEFAULT_MAX_ANSWER_TOKENS))

    def test_a_list_with_parameters(self):
        request = parse({"inputs": [{"question": "q", "context": "c"}] * 2, "parameters": {"top_k": 3, "max_answer_len": 5}})
        self.assertEqual((len(request.items), request.single, request.top_k, request.max_answer_len), (2, False, 3, 5))

    def test_bad_requests_name_the_problem(self):
        cases = [
            ({"inputs": [{"question": "q"}]}, "inputs\\[0\\] is missing 'context'"),
            ({"inputs": {"question": "q", "context": ""}}, "inputs.context must not be empty"),
            ({"inputs": ["q"]}, "inputs\\[0\\] must be an object"),
            ({"inputs": []}, "must not be an empty list"),
            ({"question": "q", "context": "c", "top_k": 2}, "unknown field\\(s\\) \\['top_k'\\]"),
            ({"inputs": {"question": "q", "context": "c"}, "parameters": {"top_k": 21}}, "top_k' must be an integer from 1 to 20"),
            ({"inputs": {"question": "q", "context": "c"}, "parameters": {"doc_stride": 2}}, "unsupported parameter"),
        ]
        for payload, fragment in cases:
            with self.subTest(payload=payload):
                with self.assertRaisesRegex(qa.InvalidInputError, fragment):
                    parse(payload)


class BestSpansTest(unittest.TestCase):
    # tokens: [CLS] q [SEP] c0 c1 c2 [SEP]; context "ab cd ef"
    OFFSETS = [(0, 0), (0, 1), (0, 0), (0, 2), (3, 5), (6, 8), (0, 0)]
    CONTEXT = [False, False, False, True, True, True, False]

    def test_best_span_is_the_highest_start_times_end_in_character_offsets(self):
        spans = qa.best_spans([0, 9, 0, 0, 3, 0, 9], [0, 9, 0, 0, 0, 3, 9], self.CONTEXT, self.OFFSETS, 30)
        self.assertEqual((spans[0].start, spans[0].end), (3, 8))
        self.assertEqual([s.score for s in spans], sorted((s.score for s in spans), reverse=True))

    def test_question_and_special_tokens_are_never_answers(self):
        spans = qa.best_spans([0, 50, 50, 0, 0, 0, 50], [0, 50, 50, 0, 0, 0, 50], self.CONTEXT, self.OFFSETS, 30)
        self.assertTrue(all(span.start >= 0 and span.end <= 8 for span in spans))
        self.assertAlmostEqual(sum(s.score for s in spans if s.start == s.end - 2 or True), sum(s.score for s in spans))

    def test_an_end_before_the_start_or_too_far_is_refused(self):
        spans = qa.best_spans([0, 0, 0, 0, 0, 9, 0], [0, 0, 0, 9, 0, 0, 0], self.CONTEXT, self.OFFSETS, 2)
        self.assertTrue(all(span.start <= span.end for span in spans))
        self.assertNotIn((6, 2), [(s.start, s.end) for s in spans])
        self.assertNotIn((0, 8), [(s.start, s.end) for s in spans])  # three tokens, max_answer_len 2

    def test_a_window_without_context_has_no_spans(self):
        self.assertEqual(qa.best_spans([1, 2], [1, 2], [False, False], [(0, 0), (0, 0)], 30), [])


class Utf16OffsetTest(unittest.TestCase):
    def test_a_character_outside_the_bmp_counts_two_code_units(self):
        context = "a\U0001F600b"
        self.assertEqual([qa.utf16_offset(context, i) for i in range(4)], [0, 1, 3, 4])


class OutputFnTest(unittest.TestCase):
    def test_json(self):
        answer = [{"answer": "x", "score": 1.0, "start": 0, "end": 1}]
        self.assertEqual(json.loads(qa.output_fn(answer, "application/json")), answer)


@unittest.skipUnless(HAS_TORCH, "torch and transformers are not installed")
class RealModelTest(unittest.TestCase):
    """A tiny random BertForQuestionAnswering and its real tokenizer, loaded through model_fn."""

    @classmethod
    def setUpClass(cls):
        from model.tests.tiny_models import build_question_answering

        cls.tmp = tempfile.TemporaryDirectory()
        cls.tokenizer = build_question_answering(cls.tmp.name)
        cls.bundle = qa.model_fn(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_request(self, payload, bundle=None):
        request = qa.input_fn(json.dumps(payload), "application/json")
        return json.loads(qa.output_fn(qa.predict_fn(request, bundle or self.bundle), "application/json"))

    def needle_bundle(self):
        """The real tokenizer with a model whose logits point at 'needle' (start) and '##s' (end)."""
        import torch

        start_id, end_id = self.tokenizer.convert_tokens_to_ids(["needle", "##s"])

        def model(input_ids, **_):
            return SimpleNamespace(start_logits=(input_ids == start_id).float() * 10, end_logits=(input_ids == end_id).float() * 10)

        self.assertIsInstance(start_id, int)
        return self.bundle._replace(model=model, runtime=self.bundle.runtime._replace(inference_mode=torch.inference_mode))

    def test_answers_are_context_text_at_their_character_offsets(self):
        context = "the company said revenue rose in the quarter while profit fell"
        [answers] = self.run_request({"inputs": [{"question": "what rose?", "context": context}], "parameters": {"top_k": 3}})
        self.assertEqual(len(answers), 3)
        for answer in answers:
            self.assertEqual(answer["answer"], context[answer["start"] : answer["end"]])
            self.assertGreater(answer["score"], 0.0)
            self.assertLessEqual(answer["score"], 1.0)
        self.assertEqual([a["score"] for a in answers], sorted((a["score"] for a in answers), reverse=True))

    def test_offsets_after_a_character_outside_the_bmp_count_utf16_code_units(self):
        context = "\U0001F4C8 revenue rose; the needles"
        [answer] = self.run_request({"question": "where is the needle?", "context": context}, self.needle_bundle())
        self.assertEqual(answer["answer"], "needles")
        utf16 = context.encode("utf-16-le")
        self.assertEqual(answer["start"], context.index("needles") + 1)
        self.assertEqual(utf16[2 * answer["start"] : 2 * answer["end"]].decode("utf-16-le"), "needles")

    def test_a_long_context_is_read_in_windows_to_its_end(self):
        context = "the hay stack " * 400 + "and the needles"
        self.assertGreater(len(self.tokenizer(context)["input_ids"]), 3 * self.bundle.max_length)
        answer = self.run_request({"question": "where is the needle?", "context": context}, self.needle_bundle())
        self.assertEqual(answer[0]["answer"], "needles")
        self.assertEqual(answer[0]["start"], context.index("needles"))
        self.assertEqual(answer[0]["end"], len(context))

    def test_a_span_seen_by_two_overlapping_windows_is_answered_once(self):
        # Put the needle where consecutive windows overlap: every window reads it, answers stay unique.
        context = "hay " * 300 + "needles " + "hay " * 300
        answers = self.run_request({"inputs": {"question": "q", "context": context}, "parameters": {"top_k": 5}}, self.needle_bundle())
        spans = [(a["start"], a["end"]) for a in answers]
        self.assertEqual(len(spans), len(set(spans)))
        self.assertEqual(answers[0]["answer"], "needles")

    def test_every_item_of_a_batch_is_answered_in_order(self):
        items = [{"question": "q", "context": f"{'hay ' * (i * 7)}needles {i}"} for i in range(qa.BATCH_SIZE + 3)]
        answers = self.run_request({"inputs": items}, self.needle_bundle())
        self.assertEqual(len(answers), len(items))
        for item, [best] in zip(items, answers):
            self.assertEqual(best["start"], item["context"].index("needles"))

    def test_a_question_too_long_for_the_window_is_a_client_error(self):
        with self.assertRaisesRegex(qa.InvalidInputError, "inputs\\[0\\].question is \\d+ tokens long"):
            self.run_request({"inputs": [{"question": "what " * 400, "context": "paris"}]})


if __name__ == "__main__":
    unittest.main()
