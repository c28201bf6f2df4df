/*
 * Signatures and key identifiers (libsodium): Ed25519 for audit checkpoints, and short ids
 * that name a key without revealing it (which master key wraps a patient key, which signing
 * key signed a checkpoint). Shaped like crypto.h: 0 or -1, verification results must be used.
 */
#ifndef MEDKEEP_SIGN_H
#define MEDKEEP_SIGN_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define SIGN_PUBLIC_BYTES 32
#define SIGN_SECRET_BYTES 64
#define SIGN_SEED_BYTES 32
#define SIGNATURE_BYTES 64
#define KEY_ID_BYTES 8
#define KEY_ID_HEX_LEN (2 * KEY_ID_BYTES)

/* What a checkpoint signature covers: a label, the sequence number and time of the
 * checkpoint, and the chain hash of the record at that sequence number. */
#define CHECKPOINT_LABEL "medkeep-audit-checkpoint-v1"
#define CHECKPOINT_MSG_BYTES (sizeof(CHECKPOINT_LABEL) + 8 + 8 + HASH_BYTES)

/* Derive an Ed25519 key pair from a 32-byte seed. */
void sign_keypair_from_seed(const uint8_t seed[SIGN_SEED_BYTES], uint8_t pk[SIGN_PUBLIC_BYTES],
			    uint8_t sk[SIGN_SECRET_BYTES]);
void sign_detached(const uint8_t sk[SIGN_SECRET_BYTES], const void *msg, size_t n,
		   uint8_t sig[SIGNATURE_BYTES]);
/* 0 when sig is pk's signature of msg. */
int sign_verify(const uint8_t pk[SIGN_PUBLIC_BYTES], const void *msg, size_t n,
		const uint8_t sig[SIGNATURE_BYTES]) MUST_CHECK;

/* The bytes a checkpoint signature covers (big-endian integers after the NUL-ended label). */
void checkpoint_message(int64_t seq, int64_t ts_ms, const uint8_t head[HASH_BYTES],
			uint8_t out[CHECKPOINT_MSG_BYTES]);

/* A one-way 8-byte id of a key (16 to 64 bytes), separated by purpose: the same key gives
 * different ids for different purposes, and the id tells nothing about the key. */
void key_id_of(const void *key, size_t n, const char *purpose, uint8_t out[KEY_ID_BYTES]);
/* Lower-case hex of an id (KEY_ID_HEX_LEN characters and a NUL). */
void key_id_hex(const uint8_t id[KEY_ID_BYTES], char out[KEY_ID_HEX_LEN + 1]);
/* Parse exactly KEY_ID_HEX_LEN hex characters; 0 on success. */
int key_id_parse(const char *s, uint8_t out[KEY_ID_BYTES]) MUST_CHECK;
/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void bytes_hex(const void *p, size_t n, char *out);
/* Parse exactly 2n hex characters into n bytes; 0 on success. */
int bytes_unhex(const char *s, uint8_t *out, size_t n) MUST_CHECK;

#endif
