"""stub"""


def history() -> None:
    """stub"""
