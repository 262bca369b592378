"""The one exception every dataset problem is reported with."""


class DatasetError(ValueError):
    """A dataset file is missing, damaged, or could not be fetched.

    The message always names the file and says what is wrong with it, so a
    learner can fix the problem without reading a traceback.

    Example:
        >>> from gradstep.datasets import DatasetError, read_idx
        >>> try:
        ...     read_idx("no-such-file.gz")
        ... except DatasetError as error:
        ...     print(error)
        no-such-file.gz: cannot read: file not found
    """
