// placeholder: filled in by issue 9
