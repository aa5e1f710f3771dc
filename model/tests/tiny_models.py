"""Tiny random-weight model directories of each task's architecture, built offline.

Only called by tests that skip where torch and transformers are missing.
"""

import json
import os
from typing import List, Sequence

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = (
    "the a of to in and is was what who where when revenue profit loss growth market quarter company "
    "needle hay stack rose fell said year bank paris capital france city river tower ##s ##ing ##ed"
).split()


def quiet() -> None:
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()


def bert_tokenizer(model_dir: str, words: Sequence[str] = WORDS, max_length: int = 512):
    from transformers import BertTokenizerFast

    quiet()

    vocab = os.path.join(model_dir, "vocab.txt")
    os.makedirs(model_dir, exist_ok=True)
    with open(vocab, "w", encoding="utf-8") as handle:
        handle.write("\n".join([*SPECIALS, *words]) + "\n")
    # Positional: the first parameter is vocab_file in transformers 4 and vocab in 5.
    tokenizer = BertTokenizerFast(vocab, model_max_length=max_length)
    tokenizer.save_pretrained(model_dir)
    return tokenizer


def bert_config(vocab_size: int, **extra):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=512, **extra,
    )


def build_question_answering(model_dir: str):
    import torch
    from transformers import BertForQuestionAnswering

    torch.manual_seed(0)
    tokenizer = bert_tokenizer(model_dir)
    BertForQuestionAnswering(bert_config(len(tokenizer))).save_pretrained(model_dir)
    return tokenizer


def build_pair_classifier(model_dir: str, labels: Sequence[str] = ("not_equivalent", "equivalent")):
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = bert_tokenizer(model_dir)
    config = bert_config(
        len(tokenizer), num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(model_dir)
    return tokenizer


def build_sentence_transformer(model_dir: str, pooling: str = "mean", max_seq_length: int = 16, modules: List[dict] = None):
    """The sentence-transformers layout: encoder at the root, modules.json, 1_Pooling, 2_Normalize."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    tokenizer = bert_tokenizer(model_dir)
    BertModel(bert_config(len(tokenizer))).save_pretrained(model_dir)
    layout = modules or [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    write_json(os.path.join(model_dir, "modules.json"), layout)
    write_json(os.path.join(model_dir, "sentence_bert_config.json"), {"max_seq_length": max_seq_length, "do_lower_case": False})
    modes = {key: False for key in ("cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens")}
    modes[{"mean": "mean_tokens", "cls": "cls_token", "max": "max_tokens"}[pooling]] = True
    write_json(
        os.path.join(model_dir, "1_Pooling", "config.json"),
        {"word_embedding_dimension": 16, **{f"pooling_mode_{key}": value for key, value in modes.items()}},
    )
    os.makedirs(os.path.join(model_dir, "2_Normalize"), exist_ok=True)
    return tokenizer


T5_CORPUS = [
    "translate English to German: the house is wonderful",
    "summarize: revenue rose in the third quarter while costs fell",
    "question: what is the capital of france? context: paris is the capital of france",
    "answer the question: where is the tower? the tower is in paris by the river",
] * 8


def build_t5(model_dir: str):
    """A T5 with a SentencePiece-style (Unigram + Metaspace) tokenizer trained here, as tokenizer.json."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    quiet()
    torch.manual_seed(0)
    core = Tokenizer(models.Unigram())
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    core.train_from_iterator(T5_CORPUS, trainers.UnigramTrainer(vocab_size=120, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    core.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", core.token_to_id("</s>"))],
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=512,
    )
    tokenizer.save_pretrained(model_dir)
    config = T5Config(
        vocab_size=core.get_vocab_size(), d_model=16, d_ff=32, d_kv=8, num_layers=1, num_decoder_layers=1,
        num_heads=2, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    model = T5ForConditionalGeneration(config)
    # Random weights tend to end at once; ask for a few real tokens so outputs can be compared.
    model.generation_config.min_new_tokens = 3
    model.generation_config.suppress_tokens = [config.pad_token_id, core.token_to_id("<unk>")]
    model.save_pretrained(model_dir)
    return tokenizer


def write_json(file: str, value) -> None:
    os.makedirs(os.path.dirname(file), exist_ok=True)
    with open(file, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
