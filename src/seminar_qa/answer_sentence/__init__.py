"""Which sentence of a passage answers the question: a small learned scorer.

``features`` describes every sentence of a passage by what the question shares with it (words,
each model's cosine), what it holds (the kind of answer asked for) and where it stands;
``model`` scores those rows with the logistic weights in ``model.json`` (fitted by ``train``,
reproduced by ``make answer-sentence``). ``retrieval.answer_span`` marks the best-scoring sentence.
"""
