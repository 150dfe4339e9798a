"""The offline extractive summarizer and the text handling shared by code/inference.py."""
