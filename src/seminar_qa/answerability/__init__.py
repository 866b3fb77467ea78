"""Does the passage answer the question? A learned, calibrated answerability score.

``features`` turns a ranked question into numbers, ``model`` scores them with the weights in
``model.json`` (fitted by ``train``, reproduced by ``make answerability``), calibrated so that
the score reads as the probability that the top passage answers the question.
"""
