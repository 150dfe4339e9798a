"""A random-weight PEGASUS saved as model_fn finds packaged weights: the transformers path with no download.

Its tokenizer is a sentencepiece model trained here on the text it is given. The tests build a tiny one
(a 128-position window, so long articles are split into windows); bench/shared_summarizer.py a larger
one, where generate() outweighs tokenizing as in a real model. Needs the ml extra (transformers, torch,
sentencepiece).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shape:
    positions: int = 128
    width: int = 32
    layers: int = 1
    heads: int = 2
    feed_forward: int = 64
    max_length: int = 24
    min_length: int = 0


def build(directory: Path, corpus: str, shape: Shape = Shape(), seed: int = 0) -> Path:
    """Writes the model and its tokenizer to `directory` (created if missing); returns it."""
    import torch
    import transformers

    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    tokenizer = _tokenizer(corpus, directory, shape.positions)
    config = transformers.PegasusConfig(
        vocab_size=len(tokenizer),
        d_model=shape.width,
        encoder_layers=shape.layers,
        decoder_layers=shape.layers,
        encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.feed_forward,
        decoder_ffn_dim=shape.feed_forward,
        max_position_embeddings=shape.positions,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    model = transformers.PegasusForConditionalGeneration(config)
    model.generation_config.max_length = shape.max_length
    model.generation_config.min_length = shape.min_length
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _tokenizer(corpus: str, directory: Path, positions: int):
    """A sentencepiece unigram model trained on `corpus`, wrapped as a PegasusTokenizer."""
    import sentencepiece as spm
    import transformers

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus.split(". ")),
        model_writer=model,
        vocab_size=300,
        hard_vocab_limit=False,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    (directory / "spiece.model").write_bytes(model.getvalue())
    if int(transformers.__version__.split(".")[0]) >= 5:
        # transformers 5 builds PEGASUS tokenizers from (piece, score) pairs, not from the .model file.
        processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
        vocab = [
            (processor.id_to_piece(i), 0.0 if processor.is_control(i) else processor.get_score(i))
            for i in range(processor.get_piece_size())
        ]
        return transformers.PegasusTokenizer(vocab=vocab, model_max_length=positions)
    vocab_file = str(directory / "spiece.model")
    return transformers.PegasusTokenizer(vocab_file=vocab_file, model_max_length=positions)
