"""Plausible wrong solutions for hw04_language_models, each caught by the test cell named in ``catches``."""
from tests.mutants import Mutant

MUTANTS = [
    # ----------------------------------------------------------------- Part 1: counting
    Mutant(
        name="vocab_strict_min_count",
        cell="build_vocab",
        find="c >= min_count",
        replace="c > min_count",
        catches="test_build_vocab",
        why="drops the words seen exactly min_count times",
    ),
    Mutant(
        name="vocab_alphabetical",
        cell="build_vocab",
        find="sorted(words, key=lambda w: (-counts[w], w))",
        replace="sorted(words)",
        catches="test_build_vocab",
        why="sorts alphabetically instead of by frequency",
    ),
    Mutant(
        name="vocab_duplicates_specials",
        cell="build_vocab",
        find=" and w not in specials]",
        replace="]",
        catches="test_build_vocab",
        why="lists <unk> twice when the text already contains it (PTB)",
    ),
    Mutant(
        name="prepare_n_bos",
        cell="prepare_sentence",
        find="return [BOS] * (n - 1)",
        replace="return [BOS] * n",
        catches="test_prepare_sentence",
        why="pads with n start symbols instead of n - 1",
    ),
    Mutant(
        name="prepare_no_eos",
        cell="prepare_sentence",
        find="for word in tokens] + [EOS]",
        replace="for word in tokens]",
        catches="test_prepare_sentence",
        why="forgets the end-of-sentence symbol",
    ),
    Mutant(
        name="counts_bos_positions",
        cell="count_ngrams",
        find="""        for i in range(n - 1, len(tokens)):
            for k in range(1, n + 1):
                counts[k][tuple(tokens[i - k + 1:i])][tokens[i]] += 1""",
        replace="""        for k in range(1, n + 1):
            for i in range(k - 1, len(tokens)):
                counts[k][tuple(tokens[i - k + 1:i])][tokens[i]] += 1""",
        catches="test_count_ngrams",
        why="counts every k-gram of the padded sentence, so BOS is counted as a predicted word",
    ),
    Mutant(
        name="counts_context_includes_word",
        cell="count_ngrams",
        find="tuple(tokens[i - k + 1:i])",
        replace="tuple(tokens[i - k + 1:i + 1])",
        catches="test_count_ngrams",
        why="puts the predicted word into its own context",
    ),
    # ----------------------------------------------------------------- Part 2: smoothing and perplexity
    Mutant(
        name="mle_divides_by_all_tokens",
        cell="mle_prob",
        find="return table.count(context, word) / total if total else 0.0",
        replace="return table.count(context, word) / tables[1].total(()) if total else 0.0",
        catches="test_mle_prob",
        why="divides the n-gram count by the corpus size instead of the context count",
    ),
    Mutant(
        name="mle_unseen_context_uniform",
        cell="mle_prob",
        find="if total else 0.0",
        replace="if total else 1.0",
        catches="test_mle_prob",
        why="returns 1 for every word after an unseen context",
    ),
    Mutant(
        name="addk_denominator_plus_k",
        cell="addk_prob",
        find="table.total(context) + k * vocab_size",
        replace="table.total(context) + k",
        catches="test_addk_prob",
        why="adds k once to the denominator: the probabilities no longer sum to one",
    ),
    Mutant(
        name="addk_counts_bos_in_vocabulary",
        cell="addk_prob",
        find="table.total(context) + k * vocab_size)",
        replace="table.total(context) + k * (vocab_size + 1))",
        catches="test_addk_prob",
        why="counts BOS among the predicted words",
    ),
    Mutant(
        name="interpolation_first_words_of_context",
        cell="interpolated_prob",
        find="context[len(context) - j:]",
        replace="context[:j]",
        catches="test_interpolated_prob",
        why="conditions the lower orders on the first words of the context instead of the last",
    ),
    Mutant(
        name="interpolation_weights_reversed",
        cell="interpolated_prob",
        find="enumerate(lambdas)",
        replace="enumerate(lambdas[::-1])",
        catches="test_interpolated_prob",
        why="gives lambdas[0] to the highest order",
    ),
    Mutant(
        name="em_unnormalised_responsibilities",
        cell="em_interpolation_weights",
        find="        responsibilities /= responsibilities.sum(axis=1, keepdims=True)\n",
        replace="",
        catches="test_em_interpolation_weights",
        why="skips the E-step's normalisation: the weights drift away from summing to one",
    ),
    Mutant(
        name="em_m_step_normalises_per_component",
        cell="em_interpolation_weights",
        find="responsibilities /= responsibilities.sum(axis=1, keepdims=True)",
        replace="responsibilities /= responsibilities.sum(axis=0, keepdims=True)",
        catches="test_em_interpolation_weights",
        why="normalises over tokens instead of over components",
    ),
    Mutant(
        name="em_uses_raw_probabilities",
        cell="em_interpolation_weights",
        find="responsibilities = weights * P",
        replace="responsibilities = P.copy()",
        catches="test_em_interpolation_weights",
        why="forgets the current weights in the E-step (every iteration gives the same answer)",
    ),
    Mutant(
        name="token_log_probs_short_context",
        cell="token_log_probs",
        find="tuple(tokens[i - n + 1:i])",
        replace="tuple(tokens[i - n + 2:i])",
        catches="test_token_log_probs",
        why="passes a context one word too short",
    ),
    Mutant(
        name="token_log_probs_scores_bos",
        cell="token_log_probs",
        find="for i in range(n - 1, len(tokens))",
        replace="for i in range(max(n - 2, 0), len(tokens))",
        catches="test_token_log_probs",
        why="also scores the last BOS as a predicted word",
    ),
    Mutant(
        name="perplexity_base_2",
        cell="perplexity",
        find="return float(np.exp(-log_probs.mean()))",
        replace="return float(2 ** (-log_probs.mean()))",
        catches="test_perplexity",
        why="uses 2 ** H with natural-log probabilities",
    ),
    Mutant(
        name="perplexity_sum_not_mean",
        cell="perplexity",
        find="np.exp(-log_probs.mean())",
        replace="np.exp(-log_probs.sum())",
        catches="test_perplexity",
        why="exponentiates the total instead of the mean log-probability",
    ),
    Mutant(
        name="perplexity_empty_returns_nan",
        cell="perplexity",
        find="""    if log_probs.size == 0:
        raise ValueError("perplexity of no tokens is undefined: pass at least one log-probability")
""",
        replace="",
        catches="test_perplexity_empty",
        why="returns nan (the mean of an empty array) instead of raising a ValueError",
    ),
    # ----------------------------------------------------------------- Part 3: Kneser-Ney
    Mutant(
        name="continuation_from_raw_counts",
        cell="continuation_counts",
        find="result[k][context[1:]][word] += 1",
        replace="result[k][context[1:]][word] += count",
        catches="test_continuation_counts",
        why="adds the raw counts instead of counting distinct left contexts (plain absolute discounting)",
    ),
    Mutant(
        name="continuation_drops_last_word",
        cell="continuation_counts",
        find="result[k][context[1:]][word] += 1",
        replace="result[k][context[:-1]][word] += 1",
        catches="test_continuation_counts",
        why="drops the last context word instead of the first",
    ),
    Mutant(
        name="continuation_counts_zero_entries",
        cell="continuation_counts",
        find="                if count > 0:\n                    result[k][context[1:]][word] += 1",
        replace="                result[k][context[1:]][word] += 1",
        catches="test_continuation_counts",
        why="counts n-grams stored with count 0 as seen",
    ),
    Mutant(
        name="kn_top_order_hard_coded",
        cell="kn_prob",
        find="table = tables[order] if order == max(tables) else continuation[order]",
        replace="table = tables[order] if order == 3 else continuation[order]",
        catches="test_kn_prob",
        why="assumes a trigram model: wrong for bigram and 4-gram tables",
    ),
    Mutant(
        name="kn_raw_counts_below_top",
        cell="kn_prob",
        find="table = tables[order] if order == max(tables) else continuation[order]",
        replace="table = tables[order]",
        catches="test_kn_prob",
        why="uses raw counts at every order (absolute discounting, not Kneser-Ney)",
    ),
    Mutant(
        name="kn_raw_unigram",
        cell="kn_prob",
        find="return continuation[1].count((), word) / continuation[1].total(())",
        replace="return tables[1].count((), word) / tables[1].total(())",
        catches="test_kn_prob",
        why="ends the recursion at the raw unigram frequency",
    ),
    Mutant(
        name="kn_unseen_context_zero",
        cell="kn_prob",
        find="return kn_prob(tables, continuation, context[1:], word, discount)\n    discounted",
        replace="return 0.0\n    discounted",
        catches="test_kn_prob",
        why="gives probability 0 after an unseen context instead of backing off",
    ),
    Mutant(
        name="kn_backoff_weight_constant",
        cell="kn_prob",
        find="backoff_weight = discount * table.types(context) / total",
        replace="backoff_weight = discount",
        catches="test_kn_prob",
        why="uses d as the back-off weight: probabilities no longer sum to one",
    ),
    Mutant(
        name="kn_discount_not_clipped",
        cell="kn_prob",
        find="max(table.count(context, word) - discount, 0.0)",
        replace="(table.count(context, word) - discount)",
        catches="test_kn_prob",
        why="subtracts the discount from unseen words too (negative mass)",
    ),
    # ----------------------------------------------------------------- Part 4: neural LM
    Mutant(
        name="windows_target_in_context",
        cell="make_windows",
        find="contexts.append(padded[i - context_size:i])",
        replace="contexts.append(padded[i - context_size + 1:i + 1])",
        catches="test_make_windows",
        why="the window includes the word to predict",
    ),
    Mutant(
        name="windows_no_eos",
        cell="make_windows",
        find=" + list(ids) + [eos_id]",
        replace=" + list(ids)",
        catches="test_make_windows",
        why="never trains the model to end a sentence",
    ),
    Mutant(
        name="ffn_context_reversed",
        cell="ffn_lm",
        find="x = self.embed(X).flatten(start_dim=1)",
        replace="x = self.embed(X.flip(1)).flatten(start_dim=1)",
        catches="test_ffn_lm",
        why="concatenates the context embeddings in reverse order",
    ),
    Mutant(
        name="ffn_no_tanh",
        cell="ffn_lm",
        find="return self.dropout(torch.tanh(self.hidden(x)))",
        replace="return self.dropout(self.hidden(x))",
        catches="test_ffn_lm",
        why="forgets the non-linearity",
    ),
    Mutant(
        name="ffn_no_dropout",
        cell="ffn_lm",
        find="return self.dropout(torch.tanh(self.hidden(x)))",
        replace="return torch.tanh(self.hidden(x))",
        catches="test_ffn_lm",
        why="creates the dropout layer but never applies it",
    ),
    Mutant(
        name="evaluate_mean_of_batch_means",
        cell="evaluate_perplexity",
        find="""    total = 0.0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            Xb, yb = X[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
            total += model.target_log_probs(Xb, yb).sum().item()
    return math.exp(-total / len(y))""",
        replace="""    means = []
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            Xb, yb = X[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
            means.append(model.target_log_probs(Xb, yb).mean().item())
    return math.exp(-sum(means) / len(means))""",
        catches="test_evaluate_perplexity",
        why="averages batch means, over-weighting the smaller last batch",
    ),
    Mutant(
        name="evaluate_in_train_mode",
        cell="evaluate_perplexity",
        find="    model.eval()\n",
        replace="",
        catches="test_evaluate_perplexity",
        why="leaves dropout on while measuring perplexity",
    ),
    Mutant(
        name="evaluate_with_autograd",
        cell="evaluate_perplexity",
        find="    with torch.no_grad():\n        for start",
        replace="    if True:\n        for start",
        catches="test_evaluate_perplexity_memory",
        why="builds a graph for every batch (memory and time wasted)",
    ),
    Mutant(
        name="evaluate_whole_set_at_once",
        cell="evaluate_perplexity",
        find="""        for start in range(0, len(y), batch_size):
            Xb, yb = X[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
""",
        replace="""        for start in [0]:
            Xb, yb = X.to(device), y.to(device)
""",
        catches="test_evaluate_perplexity_memory",
        why="ignores batch_size and sends every example to the model at once (right value, memory of the whole set)",
    ),
    # ----------------------------------------------------------------- Part 5: decoding
    Mutant(
        name="greedy_ignores_prompt",
        cell="greedy_decode",
        find="next_log_probs(list(prefix) + generated)",
        replace="next_log_probs(generated or list(prefix))",
        catches="test_greedy_decode",
        why="forgets the prompt once the first word is generated",
    ),
    Mutant(
        name="greedy_runs_past_eos",
        cell="greedy_decode",
        find="        if token == eos_id:\n            break\n",
        replace="",
        catches="test_greedy_decode",
        why="keeps generating after the end of the sentence",
    ),
    Mutant(
        name="beam_no_length_normalisation",
        cell="beam_search",
        find="hypothesis[0] / len(hypothesis[1]) ** length_penalty",
        replace="hypothesis[0]",
        catches="test_beam_search",
        why="ranks finished hypotheses by total log-probability: short outputs win",
    ),
    Mutant(
        name="beam_does_not_shrink",
        cell="beam_search",
        find="candidates[:beam_size - len(finished)]",
        replace="candidates[:beam_size]",
        catches="test_beam_search",
        why="keeps beam_size candidates even after some hypotheses finished",
    ),
    Mutant(
        name="beam_finished_stay_in_beam",
        cell="beam_search",
        find="(finished if ids[-1] == eos_id else live).append((score, ids))",
        replace="live.append((score, ids))",
        catches="test_beam_search",
        why="never moves hypotheses that produced eos out of the beam",
    ),
    Mutant(
        name="top_k_keeps_smallest",
        cell="top_k_filter",
        find='keep = np.argsort(-log_probs, kind="stable")[:k]',
        replace='keep = np.argsort(log_probs, kind="stable")[:k]',
        catches="test_top_k_filter",
        why="keeps the k least probable ids",
    ),
    Mutant(
        name="top_k_not_renormalised",
        cell="top_k_filter",
        find="    return log_normalise(filtered)",
        replace="    return filtered",
        catches="test_top_k_filter",
        why="forgets to renormalise the kept probabilities",
    ),
    Mutant(
        name="top_p_one_too_few",
        cell="top_p_filter",
        find="n_keep = min(int(np.searchsorted(cumulative, p)) + 1, len(order))",
        replace="n_keep = max(min(int(np.searchsorted(cumulative, p)), len(order)), 1)",
        catches="test_top_p_filter",
        why="stops before the id that makes the total reach p (one token too few)",
    ),
    Mutant(
        name="sample_temperature_multiplies",
        cell="sample_sequence",
        find="next_log_probs(list(prefix) + generated) / temperature",
        replace="next_log_probs(list(prefix) + generated) * temperature",
        catches="test_sample_sequence",
        why="multiplies by the temperature instead of dividing",
    ),
    Mutant(
        name="sample_top_p_before_top_k",
        cell="sample_sequence",
        find="""        if top_k is not None:
            log_probs = top_k_filter(log_probs, top_k)
        if top_p is not None:
            log_probs = top_p_filter(log_probs, top_p)""",
        replace="""        if top_p is not None:
            log_probs = top_p_filter(log_probs, top_p)
        if top_k is not None:
            log_probs = top_k_filter(log_probs, top_k)""",
        catches="test_sample_sequence",
        why="applies the filters in the other order",
    ),
    Mutant(
        name="sample_argmax",
        cell="sample_sequence",
        find="token = int(rng.choice(len(log_probs), p=np.exp(log_probs)))",
        replace="token = int(np.argmax(log_probs))",
        catches="test_sample_sequence",
        why="takes the most probable id instead of sampling",
    ),
    Mutant(
        name="repeated_across_generations",
        cell="repetition_stats",
        find="""    for tokens in generations:
        seen = set()""",
        replace="""    seen = set()
    for tokens in generations:""",
        catches="test_repetition_stats",
        why="counts an n-gram as repeated when another generation had it",
    ),
    Mutant(
        name="distinct_per_generation",
        cell="repetition_stats",
        find="""        distinct |= seen
""",
        replace="""        distinct |= {(len(distinct), g) for g in seen}
""",
        catches="test_repetition_stats",
        why="counts distinct n-grams per generation and adds them up",
    ),
]
