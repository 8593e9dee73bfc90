/*
 * FreeRTOS message buffers: stream buffers that keep messages whole, each stored after its length (a
 * configMESSAGE_BUFFER_LENGTH_TYPE) (kernel/stream_buffer.c).
 */
#ifndef FREERTOS_MESSAGE_BUFFER_H
#define FREERTOS_MESSAGE_BUFFER_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before message_buffer.h"
#endif
#include "stream_buffer.h"

typedef StreamBufferHandle_t MessageBufferHandle_t;

#define xMessageBufferCreate(size) xStreamBufferGenericCreate((size), 0, pdTRUE)
#define xMessageBufferCreateStatic(size, storage, buf) xStreamBufferGenericCreateStatic((size), 0, pdTRUE, (storage), (buf))
#define xMessageBufferSend(m, data, len, t) xStreamBufferSend((m), (data), (len), (t))
#define xMessageBufferSendFromISR(m, data, len, w) xStreamBufferSendFromISR((m), (data), (len), (w))
#define xMessageBufferReceive(m, data, len, t) xStreamBufferReceive((m), (data), (len), (t))
#define xMessageBufferReceiveFromISR(m, data, len, w) xStreamBufferReceiveFromISR((m), (data), (len), (w))
#define vMessageBufferDelete(m) vStreamBufferDelete((m))
#define xMessageBufferSpacesAvailable(m) xStreamBufferSpacesAvailable((m))
#define xMessageBufferSpaceAvailable(m) xStreamBufferSpacesAvailable((m))
#define xMessageBufferIsEmpty(m) xStreamBufferIsEmpty((m))
#define xMessageBufferIsFull(m) xStreamBufferIsFull((m))
#define xMessageBufferReset(m) xStreamBufferReset((m))
#define xMessageBufferNextLengthBytes(m) xStreamBufferNextMessageLengthBytes((m))

#endif
