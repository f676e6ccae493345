__version__ = "0.1.0"

def __getattr__(name):
    "Lazy top-level API: `doodle_fastai.predict_drawing` imports the inference stack (torch, fastai) on first use"
    if name == 'predict_drawing':
        from .predict import predict_drawing
        return predict_drawing
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
