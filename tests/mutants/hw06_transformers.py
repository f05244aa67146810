"""Plausible wrong solutions for hw06_transformers, each caught by the test cell named in ``catches``."""
from tests.mutants import Mutant

MASK_AFTER_SOFTMAX = """    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask, 0.0)
    return weights @ v, weights"""

ATTENTION_BODY = """    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:  # a row with nothing to attend to: zeros instead of the softmax's nan
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights"""

FINFO_MIN_BODY = """    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights"""

ROPE_PAIRS = """    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)"""
ROPE_HALVES = """    even, odd = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([even * cos - odd * sin, even * sin + odd * cos], dim=-1)"""

MUTANTS = [
    # ----------------------------------------------------------------- Part 1: attention
    Mutant("attention_scaled_by_d", "scaled_dot_product_attention", "/ math.sqrt(q.shape[-1])", "/ q.shape[-1]",
           "test_scaled_dot_product_attention", "scales the scores by d_k instead of sqrt(d_k)"),
    Mutant("attention_unscaled", "scaled_dot_product_attention", "/ math.sqrt(q.shape[-1])", "",
           "test_scaled_dot_product_attention", "forgets the scaling"),
    Mutant("attention_softmax_over_queries", "scaled_dot_product_attention", "torch.softmax(scores, dim=-1)",
           "torch.softmax(scores, dim=-2)", "test_scaled_dot_product_attention", "normalises over the queries"),
    Mutant("attention_mask_after_softmax", "scaled_dot_product_attention", ATTENTION_BODY, MASK_AFTER_SOFTMAX,
           "test_scaled_dot_product_attention", "zeroes masked weights after the softmax (rows no longer sum to one)"),
    Mutant("attention_nan_rows", "scaled_dot_product_attention",
           "    if mask is not None:  # a row with nothing to attend to: zeros instead of the softmax's nan\n"
           "        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)\n", "",
           "test_attention_fully_masked_row", "returns nan for a fully masked row"),
    Mutant("attention_masked_row_uniform", "scaled_dot_product_attention", ATTENTION_BODY, FINFO_MIN_BODY,
           "test_attention_fully_masked_row",
           "masks with the most negative float instead of -inf and no zeroing: a fully masked row averages all values"),
    Mutant("attention_mask_inverted", "scaled_dot_product_attention", "scores.masked_fill(~mask, float(\"-inf\"))",
           "scores.masked_fill(mask, float(\"-inf\"))", "test_scaled_dot_product_attention",
           "reads True as 'masked out' (nn.MultiheadAttention's convention)"),
    Mutant("causal_mask_strict", "causal_mask", "tril(diagonal=T_k - T_q)", "tril(diagonal=T_k - T_q - 1)", "test_causal_mask",
           "does not let a position attend to itself"),
    Mutant("causal_mask_no_offset", "causal_mask", "tril(diagonal=T_k - T_q)", "tril(diagonal=0)", "test_causal_mask",
           "ignores the cached positions: new queries are treated as the first ones"),
    Mutant("heads_split_wrong_axis", "multi_head_attention", "return x.view(B, T, n_heads, d // n_heads).transpose(1, 2)",
           "return x.view(B, n_heads, T, d // n_heads)", "test_multi_head_attention",
           "splits the heads along the wrong axis (a reshape without the transpose)"),
    Mutant("heads_merge_without_transpose", "multi_head_attention", "return x.transpose(1, 2).reshape(B, T, h * d_head)",
           "return x.reshape(B, T, h * d_head)", "test_multi_head_attention", "merges the heads without transposing back"),
    Mutant("mha_qkv_order", "multi_head_attention", "q, k, v = self.qkv(x).chunk(3, dim=-1)",
           "k, q, v = self.qkv(x).chunk(3, dim=-1)", "test_multi_head_attention", "takes the keys from the first third"),
    Mutant("kv_cache_drops_first_position", "multi_head_attention", "k = torch.cat([cache[0], k], dim=2)",
           "k = torch.cat([cache[0][:, :, 1:], k], dim=2)", "test_multi_head_attention_cache",
           "the KV cache drops the first position"),
    Mutant("mha_cache_mask_without_offset", "multi_head_attention", "mask = causal_mask(q.shape[2], k.shape[2]).to(x.device)",
           "mask = causal_mask(q.shape[2]).to(x.device)", "test_multi_head_attention_cache",
           "builds the causal mask of the new queries alone, ignoring the cached keys"),
    Mutant("mha_no_mask", "multi_head_attention", "out, self.last_weights = scaled_dot_product_attention(q, k, v, mask)",
           "out, self.last_weights = scaled_dot_product_attention(q, k, v)", "test_multi_head_attention",
           "forgets the causal mask: positions see the future"),
    Mutant("mha_no_output_dropout", "multi_head_attention", "return self.drop(self.proj(merge_heads(out))), (k, v)",
           "return self.proj(merge_heads(out)), (k, v)", "test_multi_head_attention", "forgets the output dropout"),
    Mutant("sinusoid_frequency_i", "sinusoidal_positions", "torch.arange(0, d, 2, dtype=torch.float64) / d",
           "torch.arange(0, d // 2, dtype=torch.float64) / d", "test_sinusoidal_positions",
           "uses 10000^(i/d) instead of 10000^(2i/d)"),
    Mutant("sinusoid_sin_cos_swapped", "sinusoidal_positions", "table[:, 0::2] = torch.sin(", "table[:, 0::2] = torch.cos(",
           "test_sinusoidal_positions", "puts cosines in the even features"),
    Mutant("sinusoid_halves", "sinusoidal_positions",
           "    table[:, 0::2] = torch.sin(positions * frequencies)\n    table[:, 1::2] = torch.cos(positions * frequencies)",
           "    table[:, : d // 2] = torch.sin(positions * frequencies)\n    table[:, d // 2:] = torch.cos(positions * frequencies)",
           "test_sinusoidal_positions", "concatenates sines and cosines instead of interleaving them"),
    Mutant("sinusoid_odd_accepted", "sinusoidal_positions",
           '    if d % 2:\n        raise ValueError(f"sinusoidal_positions needs an even dimension d, got {d}")\n', "",
           "test_sinusoidal_positions_odd", "accepts an odd dimension"),
    Mutant("sinusoid_float64", "sinusoidal_positions", "return table.float()", "return table", "test_sinusoidal_positions_float32",
           "returns the float64 table it computed"),
    Mutant("rope_rotates_backwards", "apply_rope", "torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1)",
           "torch.stack([even * cos + odd * sin, odd * cos - even * sin], dim=-1)", "test_apply_rope",
           "rotates clockwise (the scores still depend on the offset only)"),
    Mutant("rope_frequency_i", "apply_rope", "torch.arange(0, d, 2, dtype=torch.float64) / d",
           "torch.arange(0, d // 2, dtype=torch.float64) / d", "test_apply_rope", "uses base^(-i/d) instead of base^(-2i/d)"),
    Mutant("rope_halves", "apply_rope", ROPE_PAIRS, ROPE_HALVES, "test_apply_rope",
           "pairs feature i with feature i + d/2 (the Hugging Face layout) instead of neighbours 2i, 2i+1"),
    Mutant("rope_offset_ignored", "apply_rope", "torch.arange(offset, offset + T, dtype=torch.float64)",
           "torch.arange(T, dtype=torch.float64)", "test_apply_rope_offset", "ignores the offset: cached positions restart at 0"),
    Mutant("alibi_slopes_from_zero", "alibi_bias", "torch.arange(1, n_heads + 1, dtype=torch.float32)",
           "torch.arange(0, n_heads, dtype=torch.float32)", "test_alibi_bias", "numbers the heads from 0 in the slopes (head 0 gets slope 1)"),
    Mutant("alibi_reward_distance", "alibi_bias", "bias = -slopes[:, None, None] * distance", "bias = slopes[:, None, None] * distance",
           "test_alibi_bias", "adds the distance instead of subtracting it (distant keys favoured)"),
    Mutant("alibi_no_offset", "alibi_bias", "torch.arange(T_k - T_q, T_k)[:, None]", "torch.arange(T_q)[:, None]", "test_alibi_bias",
           "ignores the cached positions: new queries are treated as the first ones"),
    Mutant("alibi_not_causal", "alibi_bias", 'return bias.masked_fill(distance < 0, float("-inf"))', "return bias.abs().neg()",
           "test_alibi_bias", "penalises later keys by their distance instead of masking them"),
    # ----------------------------------------------------------------- Part 2: the transformer
    Mutant("layernorm_unbiased", "layer_norm", "unbiased=False", "unbiased=True", "test_layer_norm",
           "normalises with the unbiased variance"),
    Mutant("layernorm_eps_outside", "layer_norm", "torch.sqrt(variance + self.eps)", "(torch.sqrt(variance) + self.eps)",
           "test_layer_norm", "adds eps outside the square root"),
    Mutant("layernorm_no_affine", "layer_norm", " * self.weight + self.bias", "", "test_layer_norm",
           "forgets the gain and the shift"),
    Mutant("block_post_norm", "block",
           "        attended, cache = self.attn(self.ln1(x), cache)\n        x = x + attended\n        x = x + self.mlp(self.ln2(x))",
           "        attended, cache = self.attn(x, cache)\n        x = self.ln1(x + attended)\n        x = self.ln2(x + self.mlp(x))",
           "test_block", "post-norm instead of pre-norm"),
    Mutant("block_no_attention_residual", "block", "        x = x + attended\n", "        x = attended\n", "test_block",
           "drops the residual connection around attention"),
    Mutant("block_relu", "block", "nn.GELU()", "nn.ReLU()", "test_block", "uses ReLU in the MLP"),
    Mutant("block_ignores_cache", "block", "self.attn(self.ln1(x), cache)", "self.attn(self.ln1(x))", "test_block_cache",
           "does not pass the cache to the attention"),
    Mutant("gpt_positions_added_twice", "gpt", "x = self.drop(self.tok_emb(idx) + position_vectors)",
           "x = self.drop(self.tok_emb(idx) + position_vectors + position_vectors)", "test_gpt",
           "adds the positional encoding twice"),
    Mutant("gpt_untied", "gpt", "        self.lm_head.weight = self.tok_emb.weight\n", "", "test_gpt",
           "forgets the weight tying"),
    Mutant("gpt_cache_positions_from_zero", "gpt", "positions = torch.arange(T_past, T_past + T, device=idx.device)",
           "positions = torch.arange(T, device=idx.device)", "test_gpt_cache",
           "numbers the new tokens from 0 when there is a cache"),
    Mutant("gpt_no_final_norm", "gpt", "logits = self.lm_head(self.ln_f(x))", "logits = self.lm_head(x)", "test_gpt",
           "forgets the final LayerNorm"),
    Mutant("gpt_no_block_limit", "gpt",
           '        if T_past + T > self.block_size:\n            raise ValueError(f"positions {T_past}..{T_past + T - 1} go beyond '
           'block_size {self.block_size}")\n', "", "test_gpt_block_size", "lets positions run past block_size"),
    Mutant("gpt_sinusoidal_parameter", "gpt", 'self.register_buffer("pos_table", sinusoidal_positions(block_size, n_embd))',
           'self.pos_table = nn.Parameter(sinusoidal_positions(block_size, n_embd))', "test_gpt_sinusoidal",
           "makes the sinusoidal table a parameter (trained, and re-drawn by the initialisation)"),
    Mutant("gpt_no_init", "gpt", "        init_gpt_weights(self, n_layer)\n", "", "test_gpt_init",
           "never calls init_gpt_weights (PyTorch's default initialisation)"),
    Mutant("gpt_init_one_layer", "gpt", "init_gpt_weights(self, n_layer)", "init_gpt_weights(self, 1)", "test_gpt_init",
           "scales the residual projections for one layer instead of n_layer"),
    # ----------------------------------------------------------------- Part 3: training
    Mutant("lr_warmup_from_zero", "lr_at", "max_lr * (step + 1) / warmup_steps", "max_lr * step / warmup_steps", "test_lr_at",
           "starts the warm-up at 0 (the first step does nothing)"),
    Mutant("lr_linear_decay", "lr_at", "0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))",
           "(max_lr - min_lr) * (1.0 - progress)", "test_lr_at", "decays linearly instead of along the cosine"),
    Mutant("lr_decay_to_zero", "lr_at", "return min_lr + 0.5 * (max_lr - min_lr)", "return 0.5 * max_lr", "test_lr_at",
           "decays to 0 instead of min_lr"),
    Mutant("lr_after_total", "lr_at", "    if step > total_steps:\n        return min_lr\n", "", "test_lr_at_edges",
           "keeps following the cosine after total_steps (it rises again)"),
    Mutant("adamw_decay_everything", "configure_adamw", '"weight_decay": 0.0}', '"weight_decay": weight_decay}',
           "test_configure_adamw", "decays biases and LayerNorm parameters too"),
    Mutant("adamw_groups_swapped", "configure_adamw", "[p for p in params if p.dim() >= 2]", "[p for p in params if p.dim() < 2]",
           "test_configure_adamw", "decays the vectors and not the matrices"),
    Mutant("adamw_keeps_frozen", "configure_adamw", "params = [p for p in model.parameters() if p.requires_grad]",
           "params = list(model.parameters())", "test_configure_adamw_frozen", "hands frozen parameters to the optimizer"),
    Mutant("step_lr_first_group_only", "train_step", "    for group in optimizer.param_groups:\n        group[\"lr\"] = lr",
           "    optimizer.param_groups[0][\"lr\"] = lr", "test_train_step",
           "sets the learning rate of the first parameter group only"),
    Mutant("step_clip_before_backward", "train_step",
           "    loss.backward()\n    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)",
           "    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)\n    loss.backward()", "test_train_step",
           "clips before backward (no clipping at all)"),
    Mutant("step_no_zero_grad", "train_step", "    optimizer.zero_grad(set_to_none=True)\n", "", "test_train_step",
           "accumulates gradients across steps"),
    Mutant("step_no_train_mode", "train_step", "    model.train()\n", "", "test_train_step_train_mode", "leaves the model in eval mode"),
    # ----------------------------------------------------------------- Part 4: generation
    Mutant("generate_prefill_drops_first", "generate", "sequence, new_tokens, caches = idx, idx, None",
           "sequence, new_tokens, caches = idx, idx[:, 1:], None", "test_generate",
           "the KV cache starts without the prompt's first position"),
    Mutant("generate_refeeds_sequence", "generate", "logits, _, caches = model(new_tokens, caches=caches)",
           "logits, _, caches = model(sequence[:, -1:], caches=None)", "test_generate",
           "throws the cache away and feeds only the last token"),
    Mutant("generate_temperature_multiplies", "generate", "logits = logits / temperature", "logits = logits * temperature",
           "test_generate_sampling", "multiplies by the temperature"),
    Mutant("generate_top_k_strict", "generate", "logits.masked_fill(logits < kth_largest", "logits.masked_fill(logits <= kth_largest",
           "test_generate_sampling", "also removes the k-th largest logit"),
    Mutant("generate_no_crop", "generate", "model(sequence[:, -model.block_size:])", "model(sequence)", "test_generate_crop",
           "does not crop the context to block_size without the cache"),
    Mutant("generate_no_eval", "generate", "    model.eval()\n", "", "test_generate_eval", "generates with dropout on"),
    Mutant("generate_no_length_check", "generate",
           "    if use_cache and idx.shape[1] + max_new_tokens > model.block_size:\n"
           "        raise ValueError(f\"{idx.shape[1]} + {max_new_tokens} tokens do not fit in block_size {model.block_size} "
           "with a KV cache\")\n", "", "test_generate_block_size",
           "does not check the length first (a model that does not raise runs past block_size)"),
]
