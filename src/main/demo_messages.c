/*
 * medkeep demo: secure messages. Some patients have written to the practice: one conversation
 * answered by a clinician, another (with a photo or letter attached) still waiting, so the
 * practice inbox has unread items. Written through the domain layer like real messages.
 */
#include <stdio.h>
#include <string.h>

#include "domain/messages.h"
#include "limits.h"
#include "main/cmd.h"
#include "main/pdf.h"

static int send(const struct actor *a, struct message_new *m, struct id *thread)
{
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct id message;
	const char *why = NULL;
	int rc = message_send(a, m, &ar, thread, &message, &why);
	if (rc != ERR_OK)
		fprintf(stderr, "\nmedkeep demo: message not sent (%d: %s)\n", rc, why ? why : "-");
	arena_release(&ar);
	return rc == ERR_OK ? 0 : -1;
}

int demo_messages(const struct actor *clinician, const struct actor *self, const struct id *patient,
		  unsigned long i)
{
	static const char *const asks[][2] = {
		{"Repeat of my inhaler", "Kia ora, could I please get a repeat of my salbutamol inhaler? "
					 "I am down to the last few puffs.\nThanks!"},
		{"Results from last week", "Hello, I had bloods taken last Tuesday. Have the results come "
					   "back yet, and is there anything I need to do?"},
		{"Travel vaccinations", "I am travelling to Samoa in March. Which vaccinations do I need, "
					"and can I book them with the nurse?"},
	};
	static const char *const answers[] = {
		"Kia ora, the repeat has been sent to your usual pharmacy. You can collect it from "
		"tomorrow afternoon. Dr C. One",
		"Your results are back and are all within the normal range. No action needed. Dr C. One",
		"Hepatitis A and typhoid are recommended. Please book a 20-minute nurse appointment at "
		"least two weeks before you go. Nurse Demo",
	};
	if (i % 3 != 1)
		return 0;
	struct id thread;
	struct message_new m;
	memset(&m, 0, sizeof(m));
	m.patient = *patient;
	m.subject = asks[(i / 3) % 3][0];
	m.text = asks[(i / 3) % 3][1];
	if (send(self, &m, &thread) != 0)
		return -1;
	struct message_new reply = {.reply = true, .thread = thread, .text = answers[(i / 3) % 3],
				    .no_email = true};
	if (send(clinician, &reply, &thread) != 0)
		return -1;
	/* A second, unanswered conversation with a letter attached: the practice's unread item. */
	struct arena ar;
	arena_init(&ar, LIMIT_JOB_ARENA);
	struct buf pdf;
	buf_init(&pdf, &ar, LIMIT_PDF_PAGE_TEXT);
	const char *lines[] = {"Letter from the physiotherapist (invented for demonstration).",
			       "Recommends six sessions for the left shoulder.", NULL};
	pdf_text_document(&pdf, "Physiotherapy letter", lines, 2);
	struct message_new ask = {.patient = *patient,
				  .subject = "Letter from my physio",
				  .text = "Hi, I have attached the letter from my physiotherapist. Could "
					  "the doctor have a look before my next appointment?",
				  .file_name = "physio-letter.pdf",
				  .file_type = "application/pdf",
				  .file = (const uint8_t *)pdf.data,
				  .file_len = pdf.failed ? 0 : pdf.len};
	int rc = send(self, &ask, &thread);
	arena_release(&ar);
	return rc;
}
