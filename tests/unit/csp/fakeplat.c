/* SPDX-License-Identifier: Apache-2.0 */
#include "fakeplat.h"

#include <stdlib.h>
#include <string.h>

static omadm_status fp_now(void *ctx, int64_t *out)
{
    fakeplat *fp = ctx;

    if (fp->now_status != OMADM_OK)
        return fp->now_status;
    *out = fp->now;
    return OMADM_OK;
}

static omadm_status fp_offset(void *ctx, int64_t t, int32_t *out)
{
    fakeplat *fp = ctx;

    (void)t;
    *out = fp->offset;
    return OMADM_OK;
}

static omadm_status fp_fact(void *ctx, omadm_fact fact, char *buf, size_t size)
{
    fakeplat *fp = ctx;
    size_t len;

    if ((int)fact < 0 || fact >= OMADM_FACT_COUNT || !fp->facts[fact])
        return OMADM_ERR_NOT_FOUND;
    len = strlen(fp->facts[fact]);
    if (len >= size)
        return OMADM_ERR_LIMIT;
    memcpy(buf, fp->facts[fact], len + 1);
    return OMADM_OK;
}

static int slot(const fakeplat *fp, const char *name)
{
    int i;

    for (i = 0; i < FAKEPLAT_FILES; i++)
        if (fp->files[i].used && strcmp(fp->files[i].name, name) == 0)
            return i;
    return -1;
}

static omadm_status fp_read(void *ctx, const char *name, size_t max, char **data, size_t *len)
{
    fakeplat *fp = ctx;
    int i = slot(fp, name);

    if (fp->read_status != OMADM_OK)
        return fp->read_status;
    if (i < 0)
        return OMADM_ERR_NOT_FOUND;
    if (fp->files[i].len > max)
        return OMADM_ERR_LIMIT;
    *data = malloc(fp->files[i].len + 1);
    if (!*data)
        return OMADM_ERR_NOMEM;
    memcpy(*data, fp->files[i].data, fp->files[i].len + 1);
    *len = fp->files[i].len;
    return OMADM_OK;
}

static void store(fakeplat *fp, const char *name, const void *data, size_t len)
{
    int i = slot(fp, name);

    if (i < 0)
        for (i = 0; i < FAKEPLAT_FILES && fp->files[i].used; i++)
            ;
    if (i == FAKEPLAT_FILES)
        abort();
    free(fp->files[i].data);
    fp->files[i].data = malloc(len + 1);
    if (!fp->files[i].data)
        abort();
    memcpy(fp->files[i].data, data, len);
    fp->files[i].data[len] = '\0';
    fp->files[i].len = len;
    strncpy(fp->files[i].name, name, sizeof fp->files[i].name - 1);
    fp->files[i].used = 1;
}

static omadm_status fp_replace(void *ctx, const char *name, const void *data, size_t len)
{
    fakeplat *fp = ctx;

    fp->replace_calls++;
    if (fp->replace_status != OMADM_OK)
        return fp->replace_status;
    store(fp, name, data, len);
    return OMADM_OK;
}

void fakeplat_init(fakeplat *fp)
{
    memset(fp, 0, sizeof *fp);
    fp->p.version = OMADM_PLATFORM_VERSION;
    fp->p.ctx = fp;
    fp->p.now = fp_now;
    fp->p.utc_offset = fp_offset;
    fp->p.device_fact = fp_fact;
    fp->p.file_read = fp_read;
    fp->p.file_replace = fp_replace;
    fp->facts[OMADM_FACT_MANUFACTURER] = "Contoso Hardware";
    fp->facts[OMADM_FACT_MODEL] = "CX-200";
    fp->facts[OMADM_FACT_LANGUAGE] = "fr-FR";
    fp->facts[OMADM_FACT_OS_VERSION] = "10.0.19045.2965";
    fp->facts[OMADM_FACT_OS_PLATFORM] = "Windows 10 Enterprise";
    fp->facts[OMADM_FACT_FIRMWARE_VERSION] = "BIOS 1.2.3";
    fp->facts[OMADM_FACT_HARDWARE_VERSION] = "HW 4";
    fp->facts[OMADM_FACT_DEVICE_NAME] = "DESKTOP-01";
    fp->facts[OMADM_FACT_SERIAL_NUMBER] = "SN-0042";
    fp->facts[OMADM_FACT_TOTAL_RAM_MB] = "16384";
    fp->now = 1764065245; /* 2025-11-25T10:07:25Z */
    fp->offset = 3600;
}

void fakeplat_free(fakeplat *fp)
{
    int i;

    for (i = 0; i < FAKEPLAT_FILES; i++)
        free(fp->files[i].data);
    memset(fp->files, 0, sizeof fp->files);
}

void fakeplat_set_file(fakeplat *fp, const char *name, const char *content)
{
    store(fp, name, content, strlen(content));
}

const char *fakeplat_file(const fakeplat *fp, const char *name)
{
    int i = slot(fp, name);

    return i < 0 ? NULL : fp->files[i].data;
}
