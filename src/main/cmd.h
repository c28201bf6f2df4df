/* Subcommands of the medkeep binary. Each returns the process exit code. */
#ifndef MEDKEEP_CMD_H
#define MEDKEEP_CMD_H

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_vault_process(int argc, char **argv);
int cmd_worker_process(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_incident(int argc, char **argv);

/* Open an existing data directory: store, vault, audit chain, policy. 0 on success. */
int open_data_dir(const char *dir);
/* Create a data directory (mode 0700), its master key and database. */
int create_data_dir(const char *dir);

#endif
