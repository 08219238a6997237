"""The grading service: a FastAPI app (``app.create_app``) over the store and the queue.

Routes are thin: they validate, call one function of the store or of the modules here
(``intake`` for submissions, ``publishing`` for assignments), and shape the response.
"""
