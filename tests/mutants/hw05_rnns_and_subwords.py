"""Plausible wrong solutions for hw05_rnns_and_subwords, each caught by the test cell named in ``catches``."""
from tests.mutants import Mutant

MERGE_RIGHT_TO_LEFT = """    merged, i = [], len(symbols) - 1
    while i >= 0:
        if i >= 1 and symbols[i - 1] == pair[0] and symbols[i] == pair[1]:
            merged.append(new_symbol)
            i -= 2
        else:
            merged.append(symbols[i])
            i -= 1
    return merged[::-1]
    ### END SOLUTION"""

MERGE_IN_PLACE = """    i = 0
    while i < len(symbols) - 1:
        if symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            symbols[i:i + 2] = [new_symbol]
        i += 1
    return symbols
    ### END SOLUTION"""

MERGE_BODY = """    merged, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            merged.append(new_symbol)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged
    ### END SOLUTION"""

DECODE = 'return bytes(byte_of[char] for i in ids for char in symbol_of[i]).decode("utf-8", errors="replace")'

MUTANTS = [
    # ----------------------------------------------------------------- Part 1: recurrent cells
    Mutant("rnn_cell_sigmoid", "rnn_cell", "torch.tanh(", "torch.sigmoid(", "test_rnn_cell",
           "uses a sigmoid instead of tanh"),
    Mutant("rnn_cell_one_bias", "rnn_cell", "h @ W_hh.T + b_hh)", "h @ W_hh.T)", "test_rnn_cell",
           "drops the second bias vector"),
    Mutant("rnn_cell_untransposed_hh", "rnn_cell", "h @ W_hh.T", "h @ W_hh", "test_rnn_cell",
           "multiplies by W_hh instead of its transpose (row-vector convention)"),
    Mutant("rnn_cell_linear", "rnn_cell", "return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)",
           "return x @ W_ih.T + b_ih + h @ W_hh.T + b_hh", "test_rnn_cell", "forgets the nonlinearity"),
    Mutant("rnn_forward_time_major", "rnn_forward", "torch.stack(outputs, dim=1)", "torch.stack(outputs, dim=0)",
           "test_rnn_forward", "stacks the outputs time-major (T, B, H)"),
    Mutant("rnn_forward_h0_every_step", "rnn_forward", "h = rnn_cell(x[:, t], h, ", "h = rnn_cell(x[:, t], h0, ",
           "test_rnn_forward", "feeds h0 at every step instead of the previous state"),
    Mutant("rnn_forward_outputs_lag", "rnn_forward",
           "        h = rnn_cell(x[:, t], h, W_ih, W_hh, b_ih, b_hh)\n        outputs.append(h)",
           "        outputs.append(h)\n        h = rnn_cell(x[:, t], h, W_ih, W_hh, b_ih, b_hh)",
           "test_rnn_forward", "records the state before the update: outputs are h_0..h_(T-1)"),
    Mutant("rnn_forward_detached", "rnn_forward", "outputs.append(h)", "outputs.append(h.detach())",
           "test_rnn_forward", "detaches the outputs: right values, no gradient through them"),
    Mutant("rnn_forward_first_state", "rnn_forward", "return torch.stack(outputs, dim=1), h",
           "return torch.stack(outputs, dim=1), outputs[0]", "test_rnn_forward",
           "returns h_1 instead of h_T as the last state"),
    Mutant("lstm_gate_order", "lstm_cell", "i, f, g, o = (", "i, f, o, g = (", "test_lstm_cell",
           "splits the gates as (i, f, o, g) instead of PyTorch's (i, f, g, o)"),
    Mutant("lstm_h_without_tanh", "lstm_cell", "torch.sigmoid(o) * torch.tanh(c_new)", "torch.sigmoid(o) * c_new",
           "test_lstm_cell", "outputs o * c instead of o * tanh(c)"),
    Mutant("lstm_no_input_gate", "lstm_cell", "torch.sigmoid(i) * torch.tanh(g)", "torch.tanh(g)",
           "test_lstm_cell", "writes the candidate without the input gate"),
    Mutant("lstm_sigmoid_candidate", "lstm_cell", "torch.sigmoid(i) * torch.tanh(g)", "torch.sigmoid(i) * torch.sigmoid(g)",
           "test_lstm_cell", "squashes the candidate with a sigmoid"),
    Mutant("lstm_old_cell_in_output", "lstm_cell", "torch.tanh(c_new)", "torch.tanh(c)", "test_lstm_cell",
           "computes h from the old cell"),
    Mutant("lstm_returns_c_h", "lstm_cell", "return h_new, c_new", "return c_new, h_new", "test_lstm_cell",
           "returns (c, h) instead of (h, c)"),
    # ----------------------------------------------------------------- Part 2: the LSTM LM
    Mutant("batchify_strided", "batchify", "return ids[: n * batch_size].reshape(batch_size, n)",
           "return ids[: n * batch_size].reshape(n, batch_size).T", "test_batchify",
           "deals the ids out round-robin instead of cutting contiguous rows"),
    Mutant("batchify_float", "batchify", "torch.as_tensor(ids, dtype=torch.int64)", "torch.as_tensor(ids, dtype=torch.float32)",
           "test_batchify", "returns floats, which nn.Embedding refuses"),
    Mutant("lm_ignores_state", "lstm_lm", "self.lstm(self.drop(self.embed(inputs)), state)",
           "self.lstm(self.drop(self.embed(inputs)))", "test_lstm_lm", "restarts every segment from zeros"),
    Mutant("lm_no_embedding_dropout", "lstm_lm", "self.lstm(self.drop(self.embed(inputs)), state)",
           "self.lstm(self.embed(inputs), state)", "test_lstm_lm", "forgets the dropout on the embeddings"),
    Mutant("lm_no_output_dropout", "lstm_lm", "        hidden = self.drop(hidden)\n", "", "test_lstm_lm",
           "forgets the dropout on the LSTM's outputs"),
    Mutant("lm_time_major_flatten", "lstm_lm", "hidden.reshape(-1, hidden.shape[-1])",
           "hidden.transpose(0, 1).reshape(-1, hidden.shape[-1])", "test_lstm_lm",
           "flattens the hidden states time-major, misaligned with the targets"),
    Mutant("lm_not_batch_first", "lstm_lm", "batch_first=True,", "batch_first=False,", "test_lstm_lm",
           "reads (B, T) inputs as (T, B)"),
    Mutant("clip_per_parameter", "clip_global_norm",
           "    if total > max_norm:\n        for g in grads:\n            g.mul_(max_norm / (total + 1e-6))",
           "    for g in grads:\n        if g.norm() > max_norm:\n            g.mul_(max_norm / (g.norm().item() + 1e-6))",
           "test_clip_global_norm", "clips each parameter's gradient by its own norm"),
    Mutant("clip_always_rescales", "clip_global_norm", "    if total > max_norm:\n", "    if True:\n",
           "test_clip_global_norm", "rescales small gradients up to max_norm too"),
    Mutant("clip_returns_clipped_norm", "clip_global_norm", "    return total\n", "    return min(total, max_norm)\n",
           "test_clip_global_norm", "returns the norm after clipping"),
    Mutant("clip_generator_twice", "clip_global_norm", "        for g in grads:\n            g.mul_",
           "        for g in (p.grad for p in parameters if p.grad is not None):\n            g.mul_",
           "test_clip_global_norm", "iterates over the parameters twice; a generator is empty the second time"),
    Mutant("tbptt_no_detach", "train_epoch", "state = tuple(s.detach() for s in state)", "state = tuple(s for s in state)",
           "test_train_epoch", "does not detach the state between segments"),
    Mutant("tbptt_no_detach_retain_graph", "train_epoch",
           "state = tuple(s.detach() for s in state)\n        log_probs, state = model(inputs, targets, state)\n"
           "        loss = -log_probs.mean()\n        optimizer.zero_grad()\n        loss.backward()",
           "state = tuple(s for s in state)\n        log_probs, state = model(inputs, targets, state)\n"
           "        loss = -log_probs.mean()\n        optimizer.zero_grad()\n        loss.backward(retain_graph=True)",
           "test_train_epoch", "keeps the graph across segments instead of detaching (retain_graph=True)"),
    Mutant("tbptt_resets_state", "train_epoch", "log_probs, state = model(inputs, targets, state)",
           "log_probs, state = model(inputs, targets, None)", "test_train_epoch",
           "starts every segment from a zero state"),
    Mutant("tbptt_per_parameter_clip", "train_epoch", "        clip_global_norm(model.parameters(), max_norm)\n",
           "        for p in model.parameters():\n            clip_global_norm([p], max_norm)\n", "test_train_epoch",
           "clips each parameter separately instead of the global norm"),
    Mutant("tbptt_clip_before_backward", "train_epoch",
           "        loss.backward()\n        clip_global_norm(model.parameters(), max_norm)",
           "        clip_global_norm(model.parameters(), max_norm)\n        loss.backward()", "test_train_epoch",
           "clips before backward: the update is not clipped"),
    Mutant("tbptt_no_zero_grad", "train_epoch", "        optimizer.zero_grad()\n", "", "test_train_epoch",
           "accumulates gradients across segments"),
    Mutant("tbptt_targets_not_shifted", "train_epoch", "data[:, start + 1:end + 1].to(device)", "data[:, start:end].to(device)",
           "test_train_epoch", "uses the inputs as targets"),
    Mutant("tbptt_drops_short_segment", "train_epoch", "range(0, n - 1, bptt)", "range(0, n - bptt, bptt)",
           "test_train_epoch", "skips the last, shorter segment"),
    Mutant("tbptt_sum_loss", "train_epoch", "loss = -log_probs.mean()", "loss = -log_probs.sum()", "test_train_epoch",
           "sums the segment's losses instead of averaging"),
    Mutant("tbptt_no_train_mode", "train_epoch", "    model.train()\n", "", "test_train_epoch",
           "leaves the model in evaluation mode (no dropout)"),
    Mutant("tbptt_ignores_scheduler", "train_epoch", "            scheduler.step()", "            pass", "test_train_epoch",
           "never steps the learning-rate scheduler"),
    Mutant("eval_resets_state", "evaluate_perplexity", "data[:, start + 1:end + 1].to(device), state)",
           "data[:, start + 1:end + 1].to(device), None)", "test_evaluate_perplexity",
           "restarts each segment from a zero state"),
    Mutant("eval_mean_of_segment_means", "evaluate_perplexity",
           "            total += log_probs.double().sum().item()\n            count += log_probs.numel()",
           "            total += log_probs.double().mean().item()\n            count += 1", "test_evaluate_perplexity",
           "averages the segments' means (the last segment is shorter)"),
    Mutant("eval_train_mode", "evaluate_perplexity", "    model.eval()\n", "", "test_evaluate_perplexity",
           "evaluates with dropout on"),
    Mutant("eval_with_grad", "evaluate_perplexity", "    with torch.no_grad():\n", "    if True:\n",
           "test_evaluate_perplexity", "builds a graph while evaluating"),
    Mutant("eval_base_two", "evaluate_perplexity", "math.exp(-total / count)", "2 ** (-total / count)",
           "test_evaluate_perplexity", "exponentiates natural-log probabilities in base 2"),
    # ----------------------------------------------------------------- Part 3: vanishing gradients
    Mutant("grad_not_flipped", "gradient_norm_by_distance", ".mean(dim=0).flip(0)", ".mean(dim=0)",
           "test_gradient_norm_by_distance", "orders the norms by time step instead of distance"),
    Mutant("grad_all_outputs", "gradient_norm_by_distance", "outputs[:, -1].sum()", "outputs.sum()",
           "test_gradient_norm_by_distance", "differentiates the sum of all outputs, not the last step's"),
    Mutant("grad_norm_of_mean", "gradient_norm_by_distance", "grad.norm(dim=-1).mean(dim=0)", "grad.mean(dim=0).norm(dim=-1)",
           "test_gradient_norm_by_distance", "takes the norm of the batch-averaged gradient"),
    Mutant("grad_backward_into_params", "gradient_norm_by_distance",
           "    (grad,) = torch.autograd.grad(outputs[:, -1].sum(), x)", "    outputs[:, -1].sum().backward()\n    grad = x.grad",
           "test_gradient_norm_by_distance", "calls backward(), which accumulates into the parameters' .grad"),
    Mutant("grad_float32", "gradient_norm_by_distance", ".double().cpu().numpy()", ".cpu().numpy()",
           "test_gradient_norm_by_distance", "returns float32"),
    Mutant("grad_marks_input", "gradient_norm_by_distance", "x = x.detach().clone().requires_grad_(True)",
           "x = x.requires_grad_(True)", "test_gradient_norm_by_distance", "makes the caller's tensor require grad"),
    # ----------------------------------------------------------------- Part 4: byte-level BPE
    Mutant("merge_overlapping", "merge_pair", "            merged.append(new_symbol)\n            i += 2",
           "            merged.append(new_symbol)\n            i += 1", "test_merge_pair",
           "does not skip the merged pair: 'a a a' becomes 'aa aa a'"),
    Mutant("merge_right_to_left", "merge_pair", MERGE_BODY, MERGE_RIGHT_TO_LEFT, "test_merge_pair",
           "scans from the right: 'a a a' becomes 'a aa'"),
    Mutant("merge_in_place", "merge_pair", MERGE_BODY, MERGE_IN_PLACE, "test_merge_pair",
           "modifies the caller's list in place"),
    Mutant("merge_string_replace", "merge_pair", MERGE_BODY,
           '    return " ".join(symbols).replace(" ".join(pair), new_symbol).split(" ") if symbols else []\n    ### END SOLUTION',
           "test_merge_pair", "merges by string replacement, which matches across symbol boundaries"),
    Mutant("bpe_pairs_counted_once_per_piece", "train_bpe",
           "    for i, (piece, count) in enumerate(zip(pieces, counts)):\n        for pair in zip(piece, piece[1:]):",
           "    for i, (piece, count) in enumerate(zip(pieces, counts)):\n        for pair in set(zip(piece, piece[1:])):",
           "test_train_bpe", "counts each pair once per piece ('aaaa' holds (a, a) three times)"),
    Mutant("bpe_ties_first_seen", "train_bpe", "key=lambda p: (pair_counts[p], -vocab[p[0]], -vocab[p[1]])",
           "key=lambda p: pair_counts[p]", "test_train_bpe", "breaks ties by the order pairs were first seen"),
    Mutant("bpe_ties_largest_ids", "train_bpe", "-vocab[p[0]], -vocab[p[1]]", "vocab[p[0]], vocab[p[1]]",
           "test_train_bpe", "breaks ties towards the largest ids"),
    Mutant("bpe_strict_min_frequency", "train_bpe", "if pair_counts[best] < min_frequency:",
           "if pair_counts[best] <= min_frequency:", "test_train_bpe", "also stops at a count equal to min_frequency"),
    Mutant("bpe_ids_in_byte_order", "train_bpe", "enumerate(sorted(BYTE_TO_CHAR.values()))", "enumerate(BYTE_TO_CHAR.values())",
           "test_train_bpe", "numbers the byte characters by byte value, not code point"),
    Mutant("bpe_no_pretokenization", "train_bpe", "for piece in pretokenize(text))", "for piece in [text])",
           "test_train_bpe", "learns merges across word boundaries"),
    Mutant("bpe_one_merge_too_many", "train_bpe", "while len(vocab) < vocab_size", "while len(vocab) <= vocab_size",
           "test_train_bpe", "stops one merge late"),
    Mutant("encode_leftmost_merge", "encode",
           "best = min(zip(symbols, symbols[1:]), key=lambda pair: rank.get(pair, math.inf))",
           "best = next((pair for pair in zip(symbols, symbols[1:]) if pair in rank), None)", "test_encode",
           "applies the leftmost mergeable pair instead of the earliest learned merge"),
    Mutant("encode_returns_symbols", "encode", "ids.extend(vocab[symbol] for symbol in symbols)", "ids.extend(symbols)",
           "test_encode", "returns the symbols, not their ids"),
    Mutant("decode_no_byte_mapping", "decode", DECODE, 'return "".join(symbol_of[i] for i in ids)', "test_decode",
           "returns the byte characters ('Ġ' for a space) without mapping them back to bytes"),
    Mutant("decode_ord", "decode", "byte_of[char]", "ord(char)", "test_decode",
           "uses each character's code point as the byte"),
    Mutant("decode_strict", "decode", 'errors="replace"', 'errors="strict"', "test_decode",
           "fails on ids that end in the middle of a character"),
    Mutant("decode_per_token", "decode", DECODE,
           'return "".join(bytes(byte_of[char] for char in symbol_of[i]).decode("utf-8", errors="replace") for i in ids)',
           "test_decode", "decodes each token separately, which breaks characters split across tokens"),
]
