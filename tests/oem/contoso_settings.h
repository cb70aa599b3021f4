/* An example OEM CSP: ./Vendor/Contoso/Settings, a small key-value store
 * (one leaf per key, Format chr) with Atomic support. Built only against
 * the installed public headers. */
#ifndef CONTOSO_SETTINGS_H
#define CONTOSO_SETTINGS_H

#include <omadm/omadm.h>

#define CONTOSO_MAX_KEYS  16
#define CONTOSO_MAX_VALUE 64 /* bytes; longer values answer 413 */

typedef struct contoso_settings contoso_settings;

/* Creates an empty store; NULL when out of memory. Free with
 * contoso_settings_free (accepts NULL) after the tree that uses it. */
contoso_settings *contoso_settings_new(void);
void contoso_settings_free(contoso_settings *settings);

/* Registers the store at ./Vendor/Contoso/Settings (device scope).
 * `settings` is borrowed and must outlive the tree. */
omadm_status contoso_settings_register(omadm_tree *tree, contoso_settings *settings);

/* The value of `key` (borrowed until the next change), or NULL. */
const char *contoso_settings_get(const contoso_settings *settings, const char *key);
/* Number of keys. */
int contoso_settings_count(const contoso_settings *settings);

#endif
