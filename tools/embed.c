/* Build tool: turn a file into a C array, so static assets ship inside the binary. */
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL)
		return 1;
	printf("#include <stddef.h>\nconst char %s[] = {", argv[2]);
	int c;
	size_t n = 0;
	while ((c = fgetc(f)) != EOF) {
		printf("%s0x%02x", n == 0 ? "\n" : n % 16 ? "," : ",\n", c);
		n++;
	}
	printf("%s0x00};\nconst size_t", n ? "," : "");
	printf(" %s_len = %zu;\n", argv[2], n);
	fclose(f);
	return 0;
}
