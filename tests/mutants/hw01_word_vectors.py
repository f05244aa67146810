"""Plausible wrong solutions for hw01_word_vectors, each caught by the test cell named in ``catches``."""
from tests.mutants import Mutant

MUTANTS = [
    # ----------------------------------------------------------------- Part 1: recap
    Mutant(
        name="quadratic_grad_assumes_symmetric",
        cell="quadratic_form_grad",
        find="(A + A.T) @ x",
        replace="2 * A @ x",
        catches="test_quadratic_form_grad",
        why="2Ax is the gradient of x^T A x only when A is symmetric",
    ),
    Mutant(
        name="softmax_without_max_shift",
        cell="softmax",
        find="z - z.max(axis=-1, keepdims=True)",
        replace="z",
        catches="test_softmax",
        why="exp overflows for large logits and gives nan",
    ),
    Mutant(
        name="softmax_normalises_over_axis_0",
        cell="softmax",
        find="e / e.sum(axis=-1, keepdims=True)",
        replace="e / e.sum(axis=0, keepdims=True)",
        catches="test_softmax",
        why="normalising along the batch axis instead of the last axis",
    ),
    Mutant(
        name="entropy_nan_at_zero_probability",
        cell="entropy",
        find="np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)",
        replace="-p * np.log(p)",
        catches="test_entropy",
        why="0 * log 0 evaluates to nan instead of the limit 0",
    ),
    Mutant(
        name="variance_forgets_square_of_mean",
        cell="categorical_mean_var",
        find="var = float(np.sum(probs * (values - mean) ** 2))",
        replace="var = float(np.sum(probs * values ** 2) - mean)",
        catches="test_categorical_mean_var",
        why="E[X^2] - E[X] instead of E[X^2] - E[X]^2",
    ),
    Mutant(
        name="variance_by_cancellation",
        cell="categorical_mean_var",
        find="var = float(np.sum(probs * (values - mean) ** 2))",
        replace="var = float(np.sum(probs * values ** 2) - mean ** 2)",
        catches="test_categorical_mean_var",
        why="E[X^2] - E[X]^2 is right on paper but loses the variance to rounding for values near 1e8",
    ),
    Mutant(
        name="finite_difference_forward",
        cell="finite_difference_grad",
        find="grad[idx] = (f_plus - f_minus) / (2 * eps)",
        replace="grad[idx] = (f_plus - f(x)) / eps",
        catches="test_finite_difference_grad",
        why="the forward difference is only O(eps) accurate",
    ),
    Mutant(
        name="finite_difference_does_not_restore_x",
        cell="finite_difference_grad",
        find="        x[idx] = old\n",
        replace="",
        catches="test_finite_difference_grad",
        why="each coordinate is left at x - eps, so the caller's array is corrupted",
    ),
    # ----------------------------------------------------------------- Part 2: data
    Mutant(
        name="vocab_min_count_strict",
        cell="build_vocab",
        find="c >= min_count",
        replace="c > min_count",
        catches="test_build_vocab",
        why="drops the words seen exactly min_count times",
    ),
    Mutant(
        name="vocab_ties_in_first_seen_order",
        cell="build_vocab",
        find="key=lambda w: (-counter[w], w)",
        replace="key=lambda w: -counter[w]",
        catches="test_build_vocab",
        why="equal counts keep the order of first appearance instead of alphabetical order",
    ),
    Mutant(
        name="keep_prob_with_raw_counts",
        cell="keep_probabilities",
        find="freq = counts / counts.sum()",
        replace="freq = counts",
        catches="test_keep_probabilities",
        why="the subsampling formula needs relative frequencies, not raw counts",
    ),
    Mutant(
        name="keep_prob_not_clipped",
        cell="keep_probabilities",
        find="return np.minimum(keep, 1.0)",
        replace="return keep",
        catches="test_keep_probabilities",
        why="rare words get a 'probability' above 1",
    ),
    Mutant(
        name="skipgram_window_off_by_one",
        cell="skipgram_pairs",
        find="range(1, window + 1)",
        replace="range(1, window)",
        catches="test_skipgram_pairs",
        why="the farthest context (distance = window) is never used",
    ),
    Mutant(
        name="skipgram_crosses_sentences",
        cell="skipgram_pairs",
        find="same = sentence_ids[left] == sentence_ids[right]",
        replace="same = np.ones(len(left), dtype=bool)",
        catches="test_skipgram_pairs",
        why="windows run over sentence boundaries",
    ),
    Mutant(
        name="skipgram_right_context_only",
        cell="skipgram_pairs",
        find=(
            "        m = same & (radius[right] >= d)  # centre i + d, context on its left\n"
            "        chunks.append(np.stack([ids[right[m]], ids[left[m]]], axis=1))\n"
        ),
        replace="",
        catches="test_skipgram_pairs",
        why="only the contexts to the right of each centre are produced",
    ),
    Mutant(
        name="skipgram_reduced_window_never_full",
        cell="skipgram_pairs",
        find="rng.integers(1, window + 1, size=n)",
        replace="rng.integers(1, window, size=n)",
        catches="test_skipgram_pairs",
        why="rng.integers excludes its upper bound, so the radius never reaches the full window",
    ),
    Mutant(
        name="noise_without_power",
        cell="noise_distribution",
        find="np.asarray(counts, dtype=float) ** power",
        replace="np.asarray(counts, dtype=float)",
        catches="test_noise_distribution",
        why="plain unigram distribution instead of unigram^0.75",
    ),
    Mutant(
        name="negatives_uniform",
        cell="sample_negatives",
        find='np.searchsorted(cdf, u, side="right").astype(np.int64)',
        replace="rng.integers(0, len(noise_probs), size=size)",
        catches="test_sample_negatives",
        why="draws every word equally often, ignoring the noise distribution",
    ),
    # ----------------------------------------------------------------- Part 3: model
    Mutant(
        name="log_sigmoid_unstable",
        cell="log_sigmoid",
        find="return -np.logaddexp(0.0, -np.asarray(x))",
        replace="return np.log(1.0 / (1.0 + np.exp(-np.asarray(x))))",
        catches="test_log_sigmoid",
        why="exp(-x) overflows for very negative x and the log gives -inf",
    ),
    Mutant(
        name="sgns_sign_error_in_positive_gradient",
        cell="sgns_loss_and_grads",
        find="g_pos = np.exp(log_p_pos) - 1.0",
        replace="g_pos = 1.0 - np.exp(log_p_pos)",
        catches="test_sgns_loss_and_grads",
        why="d/ds of -log sigmoid(s) is sigmoid(s) - 1, not 1 - sigmoid(s)",
    ),
    Mutant(
        name="sgns_grad_v_without_negatives",
        cell="sgns_loss_and_grads",
        find='grad_v = g_pos[:, None] * u_pos + np.einsum("bk,bkd->bd", g_neg, u_neg)',
        replace="grad_v = g_pos[:, None] * u_pos",
        catches="test_sgns_loss_and_grads",
        why="forgets that the centre vector also appears in every negative score",
    ),
    Mutant(
        name="sgns_unstable_loss",
        cell="sgns_loss_and_grads",
        find=(
            "    log_p_pos = log_sigmoid(s_pos)                 # log sigmoid(s_pos)\n"
            "    log_p_neg = log_sigmoid(-s_neg)                # log sigmoid(-s_k)\n"
        ),
        replace=(
            "    log_p_pos = np.log(1.0 / (1.0 + np.exp(-s_pos)))\n"
            "    log_p_neg = np.log(1.0 / (1.0 + np.exp(s_neg)))\n"
        ),
        catches="test_sgns_loss_and_grads",
        why="log(1/(1+exp(-s))) is -inf (and its gradients nan) for scores in the hundreds",
    ),
    Mutant(
        name="sparse_update_drops_repeated_rows",
        cell="apply_sparse_update",
        find="W[unique_rows] -= lr * (S @ np.asarray(grads, dtype=W.dtype))",
        replace="W[rows] -= lr * np.asarray(grads, dtype=W.dtype)",
        catches="test_apply_sparse_update",
        why="fancy-index assignment keeps only one update per repeated row",
    ),
    Mutant(
        name="trainer_without_subsampling",
        cell="train_sgns",
        find="keep = rng.random(len(ids)) < keep_prob[ids]",
        replace="keep = np.ones(len(ids), dtype=bool)",
        catches="test_train_sgns",
        why="frequent words are never discarded",
    ),
    Mutant(
        name="trainer_never_updates_output_vectors",
        cell="train_sgns",
        find=(
            "            apply_sparse_update(W_out, np.concatenate([contexts, negatives.ravel()]),\n"
            "                                np.concatenate([g_pos, g_neg.reshape(-1, dim)]), lr)\n"
        ),
        replace="",
        catches="test_train_sgns",
        why="W_out stays at zero, so W_in gets zero gradients and nothing is learned",
    ),
    # ----------------------------------------------------------------- Part 4: evaluation
    Mutant(
        name="neighbours_include_the_query",
        cell="nearest_neighbors",
        find="    sims[idx] = -np.inf\n",
        replace="",
        catches="test_nearest_neighbors",
        why="the query word is its own nearest neighbour",
    ),
    Mutant(
        name="neighbours_by_dot_product",
        cell="nearest_neighbors",
        find="unit = E / np.maximum(norms, 1e-12)[:, None]",
        replace="unit = E",
        catches="test_nearest_neighbors",
        why="dot products favour long (frequent) vectors over similar directions",
    ),
    Mutant(
        name="analogy_does_not_exclude_inputs",
        cell="analogy",
        find=(
            "    scores[rows, a] = -np.inf\n"
            "    scores[rows, b] = -np.inf\n"
            "    scores[rows, c] = -np.inf\n"
        ),
        replace="",
        catches="test_analogy",
        why="the answer is usually one of the question words",
    ),
    Mutant(
        name="analogy_wrong_direction",
        cell="analogy",
        find="unit[b] - unit[a] + unit[c]",
        replace="unit[a] - unit[b] + unit[c]",
        catches="test_analogy",
        why="a - b + c answers b : a :: c : ?",
    ),
    Mutant(
        name="spearman_without_tie_averaging",
        cell="spearman",
        find="return (sums / counts)[inverse]",
        replace="return ranks",
        catches="test_spearman",
        why="tied values get distinct ranks in arbitrary order",
    ),
    Mutant(
        name="similarity_scores_oov_as_zero",
        cell="evaluate_similarity",
        find="continue  # skip out-of-vocabulary pairs",
        replace="model.append(0.0)\n            human.append(score)\n            continue",
        catches="test_evaluate_similarity",
        why="out-of-vocabulary pairs are scored 0 instead of skipped",
    ),
    # ----------------------------------------------------------------- Part 5: count baseline
    Mutant(
        name="ppmi_without_positive_clip",
        cell="ppmi",
        find="values = np.maximum(pmi, 0.0)",
        replace="values = pmi",
        catches="test_ppmi",
        why="keeps negative PMI values (plain PMI on the observed entries)",
    ),
    Mutant(
        name="ppmi_ignores_smoothing",
        cell="ppmi",
        find="col_weights = col_sums ** alpha",
        replace="col_weights = col_sums",
        catches="test_ppmi",
        why="context-distribution smoothing alpha is never applied",
    ),
    Mutant(
        name="svd_ignores_eigenvalue_power",
        cell="svd_embeddings",
        find="(U * signs) * S ** power",
        replace="(U * signs) * S",
        catches="test_svd_embeddings",
        why="always scales by S (power 1) whatever power is asked for",
    ),
    Mutant(
        name="svd_keeps_svds_ascending_order",
        cell="svd_embeddings",
        find="order = np.argsort(-S)",
        replace="order = np.argsort(S)",
        catches="test_svd_embeddings",
        why="scipy's svds returns singular values in increasing order; the columns come out reversed",
    ),
    # ----------------------------------------------------------------- Part 6: classification
    Mutant(
        name="average_divides_by_document_length",
        cell="average_word_vectors",
        find="out[i] = E[rows].mean(axis=0)",
        replace="out[i] = E[rows].sum(axis=0) / len(doc)",
        catches="test_average_word_vectors",
        why="out-of-vocabulary tokens count in the denominator",
    ),
    Mutant(
        name="average_nan_for_empty_document",
        cell="average_word_vectors",
        find="        if rows:\n            out[i] = E[rows].mean(axis=0)",
        replace="        out[i] = E[rows].mean(axis=0)",
        catches="test_average_word_vectors",
        why="the mean of no vectors is nan, not zeros",
    ),
]
