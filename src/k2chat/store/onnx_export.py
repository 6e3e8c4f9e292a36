"""Export the sentence-transformers model to ONNX for the light query path."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from k2chat.files import file_sha256
from k2chat.models.embeddings import SentenceTransformerEmbeddings
from k2chat.store.manifest import MANIFEST_FILE, current_build_dir, current_manifest, write_atomic

__all__ = ["export_onnx", "repair_onnx"]

log = logging.getLogger(__name__)


def export_onnx(model: Any, path: Path) -> None:
    """Write ``model``'s transformer (token embeddings out) to ``path``, atomically."""
    import torch

    transformer = model[0].auto_model.eval()
    tokenizer = model.tokenizer
    sample = tokenizer(["vitamin K2 dosage", "a longer sample sentence for export"],
                       padding=True, return_tensors="pt")

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "token_embeddings"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(transformer),
            tuple(sample[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, path)
    log.info("Exported the query encoder to %s", path)


def repair_onnx(settings: Any) -> bool:
    """Export the query encoder again over a damaged one and record its new checksum in the
    current build's manifest; False (with a warning) when that cannot be done (a read-only
    deployment): the reference encoder then answers, only slower."""
    from dataclasses import replace


    path = settings.onnx_path
    try:
        export_onnx(SentenceTransformerEmbeddings().model, path)
        manifest, build = current_manifest(settings), current_build_dir(settings)
        if manifest is not None and build is not None:
            fresh = replace(manifest, onnx_sha256=file_sha256(path))
            write_atomic(build / MANIFEST_FILE, fresh.to_json())
    except Exception as exc:
        log.warning("Could not export the ONNX model again to %s (%s); answering with "
                    "sentence-transformers", path, exc)
        return False
    log.warning("Exported the ONNX model again to %s", path)
    return True
