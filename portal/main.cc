// placeholder: filled in by issue 9
int main() { return 2; }
