#include "main/pdf.h"

#include <string.h>

#include "limits.h"

static void pdf_string(struct buf *b, const char *s)
{
	buf_puts(b, "(");
	for (; *s; s++) {
		if (*s == '(' || *s == ')' || *s == '\\')
			buf_puts(b, "\\");
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
			buf_append(b, s, 1);
	}
	buf_puts(b, ")");
}

void pdf_text_document(struct buf *out, const char *title, const char *const *lines, size_t n)
{
	struct buf content;
	buf_init(&content, out->arena, LIMIT_PDF_PAGE_TEXT);
	buf_puts(&content, "BT /F2 16 Tf 56 780 Td 20 TL ");
	pdf_string(&content, title);
	buf_puts(&content, " Tj T* /F1 11 Tf 15 TL T* ");
	for (size_t i = 0; i < n; i++) {
		pdf_string(&content, lines[i]);
		buf_puts(&content, " Tj T* ");
	}
	buf_puts(&content, "ET");

	size_t offsets[7];
	size_t base = out->len;
	buf_puts(out, "%PDF-1.4\n");
	offsets[1] = out->len - base;
	buf_puts(out, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	offsets[2] = out->len - base;
	buf_puts(out, "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
	offsets[3] = out->len - base;
	buf_puts(out, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
		      "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >> endobj\n");
	offsets[4] = out->len - base;
	buf_printf(out, "4 0 obj << /Length %zu >> stream\n", content.len);
	buf_append(out, content.data, content.len);
	buf_puts(out, "\nendstream endobj\n");
	offsets[5] = out->len - base;
	buf_puts(out, "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n");
	offsets[6] = out->len - base;
	buf_puts(out, "6 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >> endobj\n");
	size_t xref = out->len - base;
	buf_puts(out, "xref\n0 7\n0000000000 65535 f \n");
	for (int i = 1; i <= 6; i++)
		buf_printf(out, "%010zu 00000 n \n", offsets[i]);
	buf_printf(out, "trailer << /Size 7 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
}
