"""pytest plugin (entry point ``pytest11``): collects ``*.scenarios.yaml`` scenario files."""
