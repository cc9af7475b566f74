"""The watched folder: providers drop files, the watcher loads them and builds."""
