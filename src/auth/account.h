/*
 * The account lifecycle: registration by invitation, email verification, password reset,
 * change of password and of email, new recovery codes. Every change is on the audit trail and
 * announced by email through the outbox (sent by SMTP: src/main/mailer.c).
 *
 * Links in emails carry a single-use token: 32 random bytes, stored only as a keyed-less hash
 * (hash2 with its own context), each kind with its lifetime (ACCOUNT_*_SECONDS). A token is
 * used in the same statement that checks it is live, so two uses cannot both succeed.
 *
 * Decisions (docs/internals/ACCOUNTS.md): an account whose address is not confirmed cannot
 * sign in (the right password gets "confirm your address", and a new link); registration with
 * the address the invitation went to is confirmed at once (the link reached it); answers to
 * reset requests, and to registrations with another address, never say whether an address is
 * known. Sensitive changes need a second factor given within five minutes (step-up,
 * policy_factor_fresh), so accounts without one are asked to set one up first.
 */
#ifndef MEDKEEP_ACCOUNT_H
#define MEDKEEP_ACCOUNT_H
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"
#include "store/account.h"
#include "util/arena.h"
#include "vault/vault.h"
#include "util/err.h"

#define ACCOUNT_INVITE_SECONDS (7 * 24 * 3600)
#define ACCOUNT_VERIFY_SECONDS (48 * 3600)
#define ACCOUNT_RESET_SECONDS (30 * 60)
#define ACCOUNT_EMAIL_SECONDS (24 * 3600)
/* A password change by someone without a second factor waits for a 6-digit code sent to their
 * address: it works for 10 minutes, and 5 wrong tries end it (and pause tries for 10 minutes):
 * one chance in 200,000 of guessing it, and the person asks for a new one. */
#define ACCOUNT_PWCODE_SECONDS 600
#define ACCOUNT_PWCODE_TRIES 5
/* Reset emails per address per hour, verification emails per account per ten minutes: past
 * these, requests are answered as usual and nothing is sent (no mail bombing). */
#define ACCOUNT_RESETS_PER_HOUR 3
#define ACCOUNT_VERIFY_RESEND_SECONDS 600

/* The portal's base URL for links in emails: portal.url from medkeep.conf, else http(s)://
 * and the listen address. Never the request's Host header (a reset link must not point where
 * a forged Host says). */
void account_set_portal_url(const char *url);

/* Judge a new password for an account: against its marks (personal words) and, when given,
 * the address in clear. 0 when acceptable, else -1 with *why. */
int account_password_ok(const char *pw, size_t n, const char *email, struct bytes marks,
			const char **why);

/* Staff invite the patient `patient` to register (policy_may_invite). The invitation goes only
 * to the contact address the record holds (account_contact_set): `email`, an address typed by
 * staff, must be NULL or empty, or the answer is ERR_INVALID with *why (as it is when the
 * record holds no address). NOT_FOUND when the patient is not theirs to invite (same as
 * missing). */
enum err account_invite(const struct actor *a, const struct id *patient, const char *email,
			const char **why);
/* Set how a patient is known outside the portal: their contact email (the only address an
 * invitation goes to) and their date of birth (YYYY-MM-DD, which registering must give).
 * Practice onboarding and `medkeep demo`; 0, or -1. */
enum err account_contact_set(const struct id *patient, const char *email, const char *birth_date);
/* Whether to show the invitation form for `patient`: the same decision, nothing sent. */
enum err account_invite_form(const struct actor *a, const struct id *patient);

/* Whether the link of kind (TOKEN_INVITE, TOKEN_RESET...) is live, to show its form. */
enum err account_link_live(const char *kind, const char *token);
/*
 * Register with an invitation. *confirm_sent: the answer is "we sent a link to confirm that
 * address" (another address than the invitation's: whether or not it was taken). Otherwise the
 * account is ready to sign in; ERR_INVALID with *why when the password is refused, when
 * the invited address already has an account (its owner followed the link: they may know), or
 * when birth_date is not the patient's (the link reached the patient's mailbox; the date says
 * it is the patient who opened it). INVITE_DOB_TRIES wrong dates end the invitation. A record
 * that had an account gets a second one only with its holders told by email.
 */
enum err account_register(const char *token, const char *email, const char *birth_date,
			  const char *password, size_t pw_len, const char *ip, bool *confirm_sent,
			  const char **why);
/* Confirm an address (the link of a verification email). */
enum err account_verify(const char *token, const char *ip);
/* At login with the right password: true when the address is confirmed; otherwise a new
 * confirmation link is sent (at most one per ACCOUNT_VERIFY_RESEND_SECONDS). */
bool account_verified_or_resend(const struct id *account);

/* Ask for a reset link. The same answer and the same work whether or not the address is known. */
enum err account_reset_request(const char *email, const char *ip);
/* Set a new password with a reset link: all the account's sessions end, its login throttling is
 * cleared, and a notice is emailed. */
enum err account_reset_finish(const char *token, const char *password, size_t pw_len, const char *ip,
			      const char **why);

/* Signed in, with a fresh second factor: change the password (the old one is checked), end
 * every other session, email a notice. */
/* (account_change_password, for an account with no second factor: the current password is
 * checked and the new one judged and hashed as always, then a code is emailed to the account's
 * address and ERR_PENDING returned; account_change_password_code finishes the change.) */
enum err account_change_password_code(const struct actor *a, const char *code, const char **why);
enum err account_change_password(const struct actor *a, const char *old_pw, size_t old_len,
				 const char *new_pw, size_t new_len, const char **why);
/* Signed in, fresh factor: ask to change the address. A link goes to the new address, a notice
 * to the old one; nothing changes until the link is followed. */
enum err account_change_email(const struct actor *a, const char *email, const char **why);
enum err account_change_email_confirm(const char *token, const char *ip, const char **why);
/* Signed in, fresh factor: ten new recovery codes (the old ones stop working). */
enum err account_recovery_renew(const struct actor *a, char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1]);
/* How many of the account's recovery codes are unused (0 when it has no second factor). */
enum err account_recovery_left(const struct actor *a, size_t *left);
/* Signed in: the language of the account's pages and emails (util/text.h). Audited
 * ("account.language", the code in the trail's detail-free row: only that it changed) before
 * it is stored; ERR_OK or ERR_INTERNAL. No step-up: it is not a sensitive change. */
enum err account_language_set(const struct actor *a, enum lang lang);
/* Whether a sensitive change may go ahead now: OK, STEP_UP or NO_FACTOR. */
enum err account_step_up_state(const struct actor *a);

/* Marks for an account made outside the lifecycle (medkeep demo): its email and names. */
int account_marks_local(const struct id *account, const char *email, const char *given,
			const char *family);

#endif
