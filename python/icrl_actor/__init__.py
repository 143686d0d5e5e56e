"""ICRL actors in Python: join an ICRL learner over ZeroMQ, run its transformer in numpy on
the weights it broadcasts, step Gymnasium's FrozenLake, and ship experience.

    pip install ./python
    icrl-py-actor --learner tcp://HOST:5555

Modules: ``actor`` (the protocol loop), ``rollout`` (trials and chunks), ``model`` (the
transformer and its KV-cache decoder), ``tokenizer``, ``maps``, ``safetensors`` (checkpoint
reader), ``torch_model`` (the model as a PyTorch ``nn.Module``; needs torch).
"""
__version__ = "0.1.0"
