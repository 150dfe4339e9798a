"""An inference script whose model_fn fails, as a missing weight file would."""


def model_fn(model_dir):
    raise FileNotFoundError(f"no weights in {model_dir}")


def predict_fn(data, model):
    return data
