__version__ = "0.1.0"

import warnings
# fastai 2.8 calls torch.jit.script at import, which torch 2.14 deprecates: keep that one warning out of every CLI
warnings.filterwarnings('ignore', message=r'.*torch\.jit\.script.*deprecated', category=FutureWarning)

def __getattr__(name):
    "Lazy top-level API: `doodle_fastai.predict_drawing` imports the inference stack (torch, fastai) on first use"
    if name == 'predict_drawing':
        from .predict import predict_drawing
        return predict_drawing
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
