import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import unittest.mock

from model.tests.fakes import LABELS, FakeModel, FakeTokenizer, InferenceModeSpy, load_inference

inference = load_inference()
HAS_TORCH = all(importlib.util.find_spec(name) for name in ("torch", "transformers"))


def make_bundle(max_length: int = 512):
    mode = InferenceModeSpy()
    return inference.ModelBundle(
        tokenizer=FakeTokenizer(),
        model=FakeModel(mode),
        labels=LABELS,
        device="cpu",
        max_length=max_length,
        inference_mode=mode,
    )


def run(payload, bundle=None):
    bundle = bundle or make_bundle()
    request = inference.input_fn(json.dumps(payload), "application/json")
    return json.loads(inference.output_fn(inference.predict_fn(request, bundle), "application/json"))


class InputFnTest(unittest.TestCase):
    def parse(self, payload, content_type="application/json"):
        return inference.input_fn(payload, content_type)

    def test_inputs_string(self):
        request = self.parse('{"inputs": "great quarter"}')
        self.assertEqual(request, inference.Request(["great quarter"], True, None))

    def test_inputs_list_with_parameters(self):
        request = self.parse(b'{"inputs": ["a", "b"], "parameters": {"top_k": 2}}')
        self.assertEqual(request, inference.Request(["a", "b"], False, 2))

    def test_bare_string_and_list(self):
        self.assertEqual(self.parse('"profits fell"').inputs, ["profits fell"])
        self.assertTrue(self.parse('"profits fell"').single)
        self.assertEqual(self.parse('["x", "y"]'), inference.Request(["x", "y"], False, None))

    def test_content_type_with_charset(self):
        self.assertEqual(self.parse('"x"', "application/json; charset=utf-8").inputs, ["x"])

    def test_null_top_k_means_all_labels(self):
        self.assertIsNone(self.parse('{"inputs": "x", "parameters": {"top_k": null}}').top_k)

    def assertRejected(self, body, fragment, content_type="application/json"):
        with self.assertRaises(inference.InvalidInputError) as caught:
            self.parse(body, content_type)
        self.assertIn(fragment, str(caught.exception))
        self.assertIsInstance(caught.exception, ValueError)

    def test_errors_name_the_problem(self):
        cases = [
            ('"x"', "unsupported content type 'text/csv'", "text/csv"),
            ('"x"', "unsupported content type None", None),
            ("{not json", "not valid JSON", "application/json"),
            (b"\xff\xfe", "not UTF-8", "application/json"),
            ("{}", "missing field 'inputs'", "application/json"),
            ('{"inputs": "x", "text": 1}', "unknown field(s) ['text']", "application/json"),
            ('{"inputs": 3}', "got int", "application/json"),
            ("null", "got NoneType", "application/json"),
            ('{"inputs": []}', "must not be an empty list", "application/json"),
            ('{"inputs": ["ok", 7]}', "inputs[1] must be a string", "application/json"),
            ('{"inputs": "x", "parameters": []}', "'parameters' must be an object", "application/json"),
            ('{"inputs": "x", "parameters": {"foo": 1}}', "unsupported parameter(s) ['foo']", "application/json"),
            ('{"inputs": "x", "parameters": {"top_k": 0}}', "positive integer", "application/json"),
            ('{"inputs": "x", "parameters": {"top_k": true}}', "positive integer", "application/json"),
        ]
        for body, fragment, content_type in cases:
            with self.subTest(body=body):
                self.assertRejected(body, fragment, content_type)

    def test_too_many_inputs(self):
        body = json.dumps({"inputs": ["x"] * (inference.MAX_INPUTS + 1)})
        self.assertRejected(body, f"at most {inference.MAX_INPUTS}")


class PredictFnTest(unittest.TestCase):
    def test_single_input_returns_every_label_highest_first(self):
        result = run({"inputs": "great results"})
        self.assertEqual([item["label"] for item in result], ["Positive", "Neutral", "Negative"])
        self.assertAlmostEqual(sum(item["score"] for item in result), 1.0, places=6)
        self.assertTrue(all(isinstance(item["score"], float) for item in result))
        scores = [item["score"] for item in result]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_list_input_keeps_order(self):
        result = run(["an awful loss", "great results", "the meeting is on monday"])
        self.assertEqual([r[0]["label"] for r in result], ["Negative", "Positive", "Neutral"])
        self.assertTrue(all(len(r) == 3 for r in result))

    def test_top_k(self):
        result = run({"inputs": ["great", "awful"], "parameters": {"top_k": 1}})
        self.assertEqual(result, [[{"label": "Positive", "score": result[0][0]["score"]}],
                                  [{"label": "Negative", "score": result[1][0]["score"]}]])

    def test_softmax_values(self):
        [neutral_first] = run(["plain text"])
        # logits [2, 0, 1] -> softmax
        self.assertAlmostEqual(neutral_first[0]["score"], 0.66524096, places=6)
        self.assertAlmostEqual(neutral_first[1]["score"], 0.24472847, places=6)

    def test_batches_with_padding_and_truncation(self):
        bundle = make_bundle(max_length=128)
        texts = [("great " * (i % 7)) + f"text {i}" for i in range(35)]
        result = run({"inputs": texts}, bundle)
        calls = bundle.tokenizer.calls
        for call in calls:
            self.assertEqual(
                {k: call[k] for k in ("padding", "truncation", "max_length", "return_tensors")},
                {"padding": True, "truncation": True, "max_length": 128, "return_tensors": "pt"},
            )
        self.assertEqual(sorted(t for c in calls for t in c["texts"]), sorted(texts))
        expected = ["Positive" if "great" in t else "Neutral" for t in texts]
        self.assertEqual([r[0]["label"] for r in result], expected)

    def test_tokens_are_counted_once_with_truncation_before_batching(self):
        bundle = make_bundle(max_length=128)
        texts = ["great " * 500, "awful", "plain words here"]
        result = run(texts, bundle)
        self.assertEqual(bundle.tokenizer.counts, [texts])
        self.assertEqual([r[0]["label"] for r in result], ["Positive", "Negative", "Neutral"])

    def test_short_texts_are_not_padded_to_a_long_one(self):
        bundle = make_bundle()
        texts = ["great quarter", "word " * 400, "awful loss", "plain day", "great again"]
        result = run(texts, bundle)
        self.assertEqual([sorted(c["texts"]) for c in bundle.tokenizer.calls],
                         [sorted(["great quarter", "awful loss", "plain day", "great again"]), ["word " * 400]])
        self.assertEqual([r[0]["label"] for r in result], ["Positive", "Neutral", "Negative", "Neutral", "Positive"])

    def test_model_runs_under_inference_mode(self):
        bundle = make_bundle()
        run(["a", "b " * 300], bundle)
        self.assertEqual(bundle.model.calls_outside_mode, 0)
        self.assertEqual(bundle.inference_mode.entered, 2)

    def test_model_runs_under_inference_mode_in_the_lanes_too(self):
        with tempfile.TemporaryDirectory() as scratch:
            bundle = make_bundle()._replace(threads=inference.ThreadShare(scratch, 1, 2, lambda _: None))
            result = run(["great", "awful " * 300, "plain " * 100], bundle)
        self.assertEqual(bundle.model.calls_outside_mode, 0)
        self.assertEqual([r[0]["label"] for r in result], ["Positive", "Negative", "Neutral"])


class PlanBatchesTest(unittest.TestCase):
    def test_every_index_appears_once(self):
        lengths = [7, 300, 12, 12, 512, 40, 9, 100, 7, 33]
        batches = inference.plan_batches(lengths)
        self.assertEqual(sorted(i for batch in batches for i in batch), list(range(len(lengths))))

    def test_equal_lengths_share_one_batch(self):
        self.assertEqual(inference.plan_batches([20, 20, 20, 20]), [[0, 1, 2, 3]])

    def test_a_long_text_gets_its_own_batch(self):
        self.assertEqual(inference.plan_batches([10, 500, 12, 11, 10]), [[0, 4, 3, 2], [1]])

    def test_cuts_where_added_padding_exceeds_the_overhead(self):
        # Joining 30 to [10, 10] pads 2 x 20 = 40 tokens > 32; joining 12 pads 2 x 2.
        self.assertEqual(inference.plan_batches([10, 10, 12, 30], overhead_tokens=32), [[0, 1, 2], [3]])
        self.assertEqual(inference.plan_batches([10, 10, 12, 30], overhead_tokens=60), [[0, 1, 2, 3]])

    def test_batch_size_is_bounded_by_texts(self):
        batches = inference.plan_batches([8] * 10, max_texts=4)
        self.assertEqual([len(b) for b in batches], [4, 4, 2])

    def test_batch_size_is_bounded_by_padded_tokens(self):
        batches = inference.plan_batches([100] * 10, max_tokens=300)
        self.assertEqual([len(b) for b in batches], [3, 3, 3, 1])

    def test_empty_input_plans_no_batch(self):
        self.assertEqual(inference.plan_batches([]), [])


class EnvironmentTest(unittest.TestCase):
    def test_quantization_defaults_to_none(self):
        self.assertEqual(inference.quantization_from_env({}), "none")
        self.assertEqual(inference.quantization_from_env({"MODEL_QUANTIZATION": ""}), "none")

    def test_quantization_accepts_dynamic_int8(self):
        self.assertEqual(inference.quantization_from_env({"MODEL_QUANTIZATION": "dynamic-int8"}), "dynamic-int8")

    def test_unknown_quantization_is_named_in_the_error(self):
        with self.assertRaisesRegex(ValueError, "MODEL_QUANTIZATION='int4': must be one of none, dynamic-int8"):
            inference.quantization_from_env({"MODEL_QUANTIZATION": "int4"})

    def test_threads_unset_leaves_torch_default(self):
        self.assertIsNone(inference.threads_from_env({}, "MODEL_TORCH_THREADS"))

    def test_threads_parsed(self):
        self.assertEqual(inference.threads_from_env({"MODEL_TORCH_THREADS": "2"}, "MODEL_TORCH_THREADS"), 2)

    def test_bad_threads_are_named_in_the_error(self):
        for value in ("0", "-1", "two"):
            with self.subTest(value=value), self.assertRaisesRegex(ValueError, "MODEL_TORCH_IDLE_THREADS"):
                inference.threads_from_env({"MODEL_TORCH_IDLE_THREADS": value}, "MODEL_TORCH_IDLE_THREADS")

    def test_amx_read_from_the_cpu_flags(self):
        with tempfile.TemporaryDirectory() as scratch:
            cpuinfo = os.path.join(scratch, "cpuinfo")
            for flags, expected in (("fpu avx512_vnni amx_bf16 amx_int8 amx_tile", True), ("fpu avx512_vnni", False)):
                with open(cpuinfo, "w") as handle:
                    handle.write(f"processor\t: 0\nflags\t\t: {flags}\n")
                with self.subTest(flags=flags):
                    self.assertEqual(inference.cpu_has_amx(cpuinfo), expected)
            self.assertFalse(inference.cpu_has_amx(os.path.join(scratch, "missing")))


class ThreadShareTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.addCleanup(self.scratch.cleanup)
        self.calls = []

    def share(self, base=1, idle=2):
        return inference.ThreadShare(self.scratch.name, base, idle, lambda threads: self.calls.append(threads))

    def mark(self, pid):
        open(os.path.join(self.scratch.name, str(pid)), "w").close()

    def test_results_come_back_in_pass_order_and_the_costliest_pass_runs_first(self):
        share, started = self.share(idle=1), []
        with share:
            results = share.run(lambda i: started.append(i) or f"pass {i}", [5, 50, 20])
        self.assertEqual(results, ["pass 0", "pass 1", "pass 2"])
        self.assertEqual(started, [1, 2, 0])

    def test_a_lone_worker_runs_its_passes_side_by_side_one_per_lane(self):
        share = self.share()
        # Both passes of the first wave must be inside forward at once, or the barrier times out.
        together = threading.Barrier(2, timeout=5)
        threads = {}

        def forward(i):
            if i in (1, 2):
                together.wait()
            threads[i] = threading.current_thread().name
            return i

        with share:
            self.assertEqual(share.run(forward, [5, 50, 20]), [0, 1, 2])
        self.assertNotEqual(threads[1], threads[2])
        # Lanes set their own thread (one torch thread each); the last pass, alone, takes both vCPUs.
        self.assertEqual(self.calls, [1, 1, 2])
        self.assertEqual(threads[0], threading.current_thread().name)

    def test_a_failing_pass_fails_the_request_after_every_lane_of_its_wave_has_ended(self):
        share, ended = self.share(), []

        def forward(i):
            if i == 0:
                raise RuntimeError("pass 0 failed")
            time.sleep(0.2)
            ended.append(i)
            return i

        with share, self.assertRaisesRegex(RuntimeError, "pass 0 failed"):
            share.run(forward, [10, 10])
        self.assertEqual(ended, [1])

    def test_a_lone_pass_runs_with_the_idle_threads(self):
        share = self.share()
        with share:
            share.run(lambda i: i, [10])
        self.assertEqual(self.calls, [2])

    def test_a_worker_runs_one_pass_at_a_time_with_its_base_threads_while_another_is_busy(self):
        share = self.share()
        self.mark(os.getppid())
        with share:
            share.run(lambda i: threading.current_thread().name, [1, 2, 3])
        self.assertEqual(self.calls, [1, 1, 1])

    def test_a_worker_goes_back_to_its_base_threads_when_another_becomes_busy(self):
        share = self.share()
        with share:
            share.run(lambda i: i, [10])
            self.mark(os.getppid())
            share.run(lambda i: i, [10])
        self.assertEqual(self.calls, [2, 1])

    def test_a_wave_waits_while_another_worker_runs_an_exclusive_one(self):
        wide, other = self.share(), self.share()
        in_wide, release, finished = threading.Event(), threading.Event(), []

        def hold(i):
            in_wide.set()
            release.wait(5)
            return i

        wide_run = threading.Thread(target=lambda: wide.run(hold, [10]))
        wide_run.start()
        self.assertTrue(in_wide.wait(5))
        waiting = threading.Thread(target=lambda: finished.append(other.run(lambda i: i, [10])))
        waiting.start()
        waiting.join(0.2)
        self.assertEqual(finished, [])
        release.set()
        wide_run.join(5)
        waiting.join(5)
        self.assertEqual(finished, [[0]])

    def test_without_idle_threads_the_lock_is_shared_and_passes_run_in_order(self):
        share, other = self.share(idle=1), self.share(idle=1)
        inside = threading.Barrier(2, timeout=5)

        def forward(i):
            inside.wait()
            return i

        concurrent = threading.Thread(target=lambda: other.run(forward, [1]))
        concurrent.start()
        self.assertEqual(share.run(forward, [1]), [0])
        concurrent.join(5)
        self.assertEqual(self.calls, [1, 1])

    def test_a_dead_workers_mark_is_not_counted(self):
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        self.mark(dead.pid)
        self.assertEqual(self.share().busy_workers(), 1)

    def test_the_mark_is_removed_after_the_request(self):
        share = self.share()
        with share:
            self.assertEqual(sorted(os.listdir(self.scratch.name)), [str(os.getpid()), "cpu.lock"])
        self.assertEqual(os.listdir(self.scratch.name), ["cpu.lock"])

    def test_predict_marks_the_worker_busy_and_runs_its_passes_in_lanes(self):
        marks = []
        scratch = self.scratch.name

        class MarkSpy(FakeTokenizer):
            def __call__(self, texts, **kwargs):
                marks.append(os.listdir(scratch))
                return super().__call__(texts, **kwargs)

        bundle = make_bundle()._replace(tokenizer=MarkSpy(), threads=self.share())
        run({"inputs": ["short", " ".join(["long"] * 300)]}, bundle)
        self.assertTrue(all(str(os.getpid()) in listing for listing in marks))
        self.assertEqual(self.calls, [1, 1])
        self.assertEqual(os.listdir(scratch), ["cpu.lock"])


class OutputFnTest(unittest.TestCase):
    def test_json_for_json_and_any(self):
        for accept in ("application/json", "*/*", None, "application/json; charset=utf-8"):
            self.assertEqual(json.loads(inference.output_fn([[{"label": "a", "score": 1.0}]], accept)),
                             [[{"label": "a", "score": 1.0}]])

    def test_other_accept_rejected(self):
        with self.assertRaises(inference.InvalidInputError):
            inference.output_fn([], "text/csv")


class MaxLengthTest(unittest.TestCase):
    def test_tokenizer_limit_capped_by_position_embeddings(self):
        self.assertEqual(inference.max_sequence_length(512, 512), 512)
        self.assertEqual(inference.max_sequence_length(int(1e30), 512), 512)
        self.assertEqual(inference.max_sequence_length(None, 512), 512)
        self.assertEqual(inference.max_sequence_length(256, 512), 256)
        self.assertEqual(inference.max_sequence_length(1024, 512), 512)


@unittest.skipUnless(HAS_TORCH, "torch and transformers are not installed")
class RealModelTest(unittest.TestCase):
    """A tiny randomly initialised BERT written to disk, loaded through model_fn."""

    def write_model(self, model_dir):
        from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

        words = ["profit", "loss", "growth", "market", "the", "a"]
        with open(f"{model_dir}/vocab.txt", "w", encoding="utf-8") as vocab:
            vocab.write("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
        # Positional: the first parameter is vocab_file in transformers 4 and vocab in 5, which
        # ignores vocab_file= and reads every token as [UNK].
        BertTokenizerFast(f"{model_dir}/vocab.txt").save_pretrained(model_dir)
        config = BertConfig(
            vocab_size=len(words) + 5, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=32, max_position_embeddings=512, num_labels=3,
            id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
        )
        BertForSequenceClassification(config).save_pretrained(model_dir)

    def test_dynamic_int8_quantizes_the_linear_layers_on_cpu(self):
        with tempfile.TemporaryDirectory() as model_dir, unittest.mock.patch.dict("os.environ", {"MODEL_QUANTIZATION": "dynamic-int8"}):
            self.write_model(model_dir)
            bundle = inference.model_fn(model_dir)
            linear = [type(m) for m in bundle.model.modules() if type(m).__name__ == "Linear"]
            self.assertEqual(len(linear), 8)  # 6 in the one encoder layer, the pooler, the classifier
            self.assertEqual({f"{t.__module__}.{t.__name__}" for t in linear}, {"torch.ao.nn.quantized.dynamic.modules.linear.Linear"})
            request = inference.input_fn('{"inputs": "profit growth"}', "application/json")
            self.assertEqual(sorted(item["label"] for item in inference.predict_fn(request, bundle)), sorted(LABELS))

    def test_feed_forward_in_pieces_gives_the_whole_passs_numbers(self):
        import torch
        from transformers import AutoModelForSequenceClassification

        with tempfile.TemporaryDirectory() as model_dir:
            self.write_model(model_dir)
            model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
        tokens = torch.randint(5, 11, (2, 100))
        with torch.inference_mode():
            whole = model(input_ids=tokens).logits
            self.assertEqual(inference.chunk_feed_forward(model, torch.cat, rows=16, above=16), 1)
            pieces = model(input_ids=tokens).logits
        torch.testing.assert_close(pieces, whole)

    def test_dynamic_int8_runs_the_feed_forward_in_pieces_and_float_does_not(self):
        for quantization, split in (("dynamic-int8", True), ("none", False)):
            with tempfile.TemporaryDirectory() as model_dir, unittest.mock.patch.dict("os.environ", {"MODEL_QUANTIZATION": quantization}):
                self.write_model(model_dir)
                layer = inference.model_fn(model_dir).model.bert.encoder.layer[0]
                with self.subTest(quantization=quantization):
                    self.assertEqual("feed_forward_chunk" in vars(layer), split)

    def test_passes_in_lanes_give_the_numbers_of_passes_in_turn(self):
        texts = ["profit " * n for n in (3, 40, 90, 200)]
        request = inference.input_fn(json.dumps({"inputs": texts}), "application/json")
        with tempfile.TemporaryDirectory() as model_dir, tempfile.TemporaryDirectory() as busy, \
                unittest.mock.patch.dict("os.environ", {"MODEL_TORCH_THREADS": "1", "MODEL_TORCH_IDLE_THREADS": "2", "MODEL_BUSY_DIR": busy}):
            self.write_model(model_dir)
            bundle = inference.model_fn(model_dir)
            in_lanes = inference.predict_fn(request, bundle)
            in_turn = inference.predict_fn(request, bundle._replace(threads=None))
        self.assertEqual(bundle.threads.lanes, 2)
        for lane, turn in zip(in_lanes, in_turn):
            self.assertEqual([item["label"] for item in lane], [item["label"] for item in turn])
            for a, b in zip(lane, turn):
                self.assertAlmostEqual(a["score"], b["score"], places=5)

    def test_long_text_is_truncated_and_all_labels_ranked(self):
        with tempfile.TemporaryDirectory() as model_dir:
            self.write_model(model_dir)

            bundle = inference.model_fn(model_dir)
            self.assertFalse(bundle.model.training)
            self.assertEqual(bundle.max_length, 512)
            self.assertNotIn(bundle.tokenizer.unk_token_id, bundle.tokenizer("profit growth")["input_ids"])
            request = inference.input_fn(json.dumps({"inputs": ["profit growth", "loss " * 3000]}), "application/json")
            result = json.loads(inference.output_fn(inference.predict_fn(request, bundle), "application/json"))
            self.assertEqual(len(result), 2)
            for ranked in result:
                self.assertEqual(sorted(item["label"] for item in ranked), sorted(LABELS))
                scores = [item["score"] for item in ranked]
                self.assertEqual(scores, sorted(scores, reverse=True))


if __name__ == "__main__":
    unittest.main()
