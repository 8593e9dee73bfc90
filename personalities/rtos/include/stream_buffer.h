/* FreeRTOS stream buffers: bytes from one writer to one reader (kernel/stream_buffer.c). */
#ifndef STREAM_BUFFER_H
#define STREAM_BUFFER_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before stream_buffer.h"
#endif

typedef struct StreamBufferDef_t *StreamBufferHandle_t;

StreamBufferHandle_t xStreamBufferGenericCreate(size_t size, size_t trigger, BaseType_t is_message);
StreamBufferHandle_t xStreamBufferGenericCreateStatic(size_t size, size_t trigger, BaseType_t is_message,
                                                      uint8_t *storage, StaticStreamBuffer_t *buffer);
size_t xStreamBufferSend(StreamBufferHandle_t s, const void *data, size_t len, TickType_t ticks);
size_t xStreamBufferSendFromISR(StreamBufferHandle_t s, const void *data, size_t len, BaseType_t *woken);
size_t xStreamBufferReceive(StreamBufferHandle_t s, void *data, size_t len, TickType_t ticks);
size_t xStreamBufferReceiveFromISR(StreamBufferHandle_t s, void *data, size_t len, BaseType_t *woken);
void vStreamBufferDelete(StreamBufferHandle_t s);
size_t xStreamBufferBytesAvailable(StreamBufferHandle_t s);
size_t xStreamBufferSpacesAvailable(StreamBufferHandle_t s);
BaseType_t xStreamBufferIsEmpty(StreamBufferHandle_t s);
BaseType_t xStreamBufferIsFull(StreamBufferHandle_t s);
BaseType_t xStreamBufferReset(StreamBufferHandle_t s);
BaseType_t xStreamBufferSetTriggerLevel(StreamBufferHandle_t s, size_t trigger);
size_t xStreamBufferNextMessageLengthBytes(StreamBufferHandle_t s);

#define xStreamBufferCreate(size, trigger) xStreamBufferGenericCreate((size), (trigger), pdFALSE)
#define xStreamBufferCreateStatic(size, trigger, storage, buf)                                               \
    xStreamBufferGenericCreateStatic((size), (trigger), pdFALSE, (storage), (buf))

#endif
