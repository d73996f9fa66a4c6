"""A tiny random GPT-2 and tokenizer built in-process, so unit tests load no real model."""

from __future__ import annotations

from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

CORPUS = [
    "Here are some movies you might enjoy tonight.",
    "Great choice! These picks match what you asked for.",
    "User: something tense from the nineties Assistant: try these",
    "I loved Heat and Fargo, no horror please.",
]


def make_tiny_gpt2(seed: int = 0) -> tuple[GPT2LMHeadModel, PreTrainedTokenizerFast]:
    """A 2-layer, 32-wide GPT-2 with a word-level tokenizer trained on a few sentences."""
    import torch

    torch.manual_seed(seed)
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["<unk>", "<eos>"])
    tokenizer.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>",
                                   eos_token="<eos>")
    config = GPT2Config(n_layer=2, n_head=2, n_embd=32, n_positions=256,
                        vocab_size=fast.vocab_size, eos_token_id=1, bos_token_id=1)
    return GPT2LMHeadModel(config).eval(), fast
