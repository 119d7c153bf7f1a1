"""stub"""


def diff() -> None:
    """stub"""
