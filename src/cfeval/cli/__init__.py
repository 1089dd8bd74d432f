"""The command line: thin typer commands over the public functions of the stages."""
