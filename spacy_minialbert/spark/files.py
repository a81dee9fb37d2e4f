"""File operations on the output of ``annotate-spark``, on whatever file system it is on.

The output may be a local folder, HDFS, or an object store; the driver reaches each through
Hadoop's ``FileSystem`` (the one Spark itself writes with), so listing, renaming and small
writes behave alike everywhere. A rename is atomic on local and HDFS file systems, which the
commit of a part relies on; on object stores (S3, GCS) a folder rename is a copy, and a killed
commit can leave a part half renamed: run the job with a committer for object stores or on HDFS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pyspark.sql import SparkSession


class OutputFiles:
    """Paths relative to ``root`` (a folder path or URI as Spark takes it)."""

    def __init__(self, spark: SparkSession, root: str) -> None:
        context = spark.sparkContext
        # The driver's JVM, through py4j: how PySpark itself reaches Hadoop.
        jvm: Any = context._jvm
        jsc: Any = context._jsc
        self._jvm = jvm
        hadoop = jsc.hadoopConfiguration()
        self._root = jvm.org.apache.hadoop.fs.Path(root)
        self._fs = self._root.getFileSystem(hadoop)
        self.root = str(self._fs.makeQualified(self._root).toString())

    def path(self, relative: str) -> str:
        return f"{self.root.rstrip('/')}/{relative}" if relative else self.root

    def _hadoop(self, relative: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(self.path(relative))

    def exists(self, relative: str) -> bool:
        return bool(self._fs.exists(self._hadoop(relative)))

    def delete(self, relative: str) -> None:
        self._fs.delete(self._hadoop(relative), True)

    def rename(self, source: str, target: str) -> None:
        """Rename ``source`` to ``target``, which must not exist (Hadoop would move a folder
        into an existing one instead)."""
        if self.exists(target):
            raise FileExistsError(f"{self.path(target)} exists already: another run wrote it?")
        target_path = self._hadoop(target)
        self._fs.mkdirs(target_path.getParent())
        if not self._fs.rename(self._hadoop(source), target_path):
            raise OSError(f"could not rename {self.path(source)} to {self.path(target)}")

    def children(self, relative: str) -> list[str]:
        """Names of the entries of a folder (none if it does not exist)."""
        if not self.exists(relative):
            return []
        return [
            status.getPath().getName() for status in self._fs.listStatus(self._hadoop(relative))
        ]

    def read_json(self, relative: str) -> Any:
        """The parsed JSON file, or None if it does not exist."""
        if not self.exists(relative):
            return None
        stream = self._fs.open(self._hadoop(relative))
        try:
            text = self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()
        return json.loads(text)

    def write_text(self, relative: str, chunks: Iterable[str]) -> None:
        """Write a file through a temporary name and rename it, so a reader never sees half."""
        partial = f"{relative}.partial"
        stream = self._fs.create(self._hadoop(partial), True)
        try:
            for chunk in chunks:
                if chunk:
                    stream.write(bytearray(chunk.encode("utf-8")))
        finally:
            stream.close()
        self.delete(relative)
        self.rename(partial, relative)

    def create_new(self, relative: str, text: str) -> bool:
        """Create a file only if none is there (atomic on HDFS and local file systems); False
        if one was."""
        if self.exists(relative):
            return False
        try:
            stream = self._fs.create(self._hadoop(relative), False)
        except Exception as error:  # py4j's wrapper of Hadoop's FileAlreadyExistsException
            if "FileAlreadyExists" in str(error) or self.exists(relative):
                return False
            raise
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
        return True

    def write_json(self, relative: str, data: Any) -> None:
        self.write_text(relative, [json.dumps(data, indent=2) + "\n"])
