#ifndef SECURENETS_CRABBITMQ_SHIM_H
#define SECURENETS_CRABBITMQ_SHIM_H
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>

// amqp_login is C-variadic, which Swift cannot call: wrap the plain-SASL form.
static inline amqp_rpc_reply_t securenets_amqp_login_plain(amqp_connection_state_t state,
                                                           const char *vhost, int channel_max,
                                                           int frame_max, int heartbeat,
                                                           const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN,
                      user, password);
}

// The same with client properties (the connection name shown by `rabbitmqctl list_connections`);
// also variadic in C.
static inline amqp_rpc_reply_t securenets_amqp_login_plain_with_properties(
    amqp_connection_state_t state, const char *vhost, int channel_max, int frame_max,
    int heartbeat, const amqp_table_t *properties, const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// Method numbers are macros with casts, which Swift does not import: re-export the ones the
// Swift client dispatches on.
static const amqp_method_number_t SECURENETS_CONNECTION_CLOSE_METHOD = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t SECURENETS_CONNECTION_CLOSE_OK_METHOD =
    AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t SECURENETS_CONNECTION_BLOCKED_METHOD =
    AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t SECURENETS_CONNECTION_UNBLOCKED_METHOD =
    AMQP_CONNECTION_UNBLOCKED_METHOD;
static const amqp_method_number_t SECURENETS_CHANNEL_CLOSE_METHOD = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t SECURENETS_CHANNEL_CLOSE_OK_METHOD = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t SECURENETS_BASIC_DELIVER_METHOD = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t SECURENETS_BASIC_RETURN_METHOD = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t SECURENETS_BASIC_ACK_METHOD = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t SECURENETS_BASIC_NACK_METHOD = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t SECURENETS_BASIC_CANCEL_METHOD = AMQP_BASIC_CANCEL_METHOD;
#endif
