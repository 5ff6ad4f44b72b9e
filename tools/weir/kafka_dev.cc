#include "kafka_dev.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "weir/base/clock.h"
#include "weir/base/error.h"
#include "weir/connectors/kafka/local_cluster.h"
#include "weir/connectors/kafka/rdkafka_conf.h"

namespace weir::tools {

namespace {

std::atomic<bool> gStop{false};
void onSignal(int) { gStop = true; }
// SIGUSR1 takes every broker down (connections closed and refused), SIGUSR2 brings them back:
// broker outages on demand, for tests.
std::atomic<int> gOutageRequest{0};  // 1 down, 2 up
void onOutageSignal(int sig) { gOutageRequest = sig == SIGUSR1 ? 1 : 2; }

// Copies bytes both ways between two sockets until either side closes.
void pump(int a, int b) {
  char buf[65536];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (!gStop) {
    if (::poll(fds, 2, 200) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) goto done;
        int to = i == 0 ? b : a;
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
          if (w <= 0) goto done;
          off += w;
        }
      }
    }
  }
done:
  ::close(a);
  ::close(b);
}

// Accepts clients on 127.0.0.1:port and forwards them to the first broker, so that clients can
// bootstrap at a well-known port (the brokers then advertise their own).
void forward(int port, const std::string& target) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 64) != 0) {
    std::cerr << "weir kafka-dev: cannot listen on 127.0.0.1:" << port
              << " (in use?); clients can still use the "
              << "bootstrap.servers printed above" << std::endl;
    ::close(listener);
    return;
  }
  auto colon = target.rfind(':');
  int targetPort = std::stoi(target.substr(colon + 1));
  while (!gStop) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(targetPort));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(client);
      ::close(upstream);
      continue;
    }
    std::thread(pump, client, upstream).detach();
  }
  ::close(listener);
}

}  // namespace

int64_t produceEvents(const ProduceOptions& options, const std::atomic<bool>& stop) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto [k, v] :
       std::vector<std::pair<const char*, std::string>>{{"bootstrap.servers", options.bootstrap},
                                                        {"compression.codec", options.compression},
                                                        {"enable.idempotence", "true"},
                                                        {"linger.ms", "50"},
                                                        {"log_level", "3"}}) {
    connectors::kafka::setConf(conf, k, v, false);
  }
  connectors::kafka::routeLogs(conf);
  static std::atomic<int64_t> acked{0};
  acked = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) acked.fetch_add(1);
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) throw InvalidInputError("KAFKA_CLIENT", errstr);
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, options.topic.c_str(), nullptr);

  EventGeneratorOptions eventOptions = options.events;
  if (options.wallClock) {
    eventOptions.startMicros =
        options.startMicros ? *options.startMicros : base::systemClock()->nowMs() * 1000;
    const double speed = options.eventTimeSpeed > 0 ? options.eventTimeSpeed : 1.0;
    eventOptions.stepMicros =
        options.rate > 0
            ? std::max<int64_t>(1, static_cast<int64_t>(speed * 1'000'000 / options.rate))
            : 1;
  }
  EventGenerator gen(eventOptions);
  const auto start = std::chrono::steady_clock::now();
  std::string value;
  std::string key;
  int64_t sent = 0;
  while (!stop && !gStop && (options.count == 0 || sent < options.count)) {
    if (options.rate > 0) {
      // Pace by the clock: sent/rate seconds after the start.
      auto due = start + std::chrono::microseconds(sent * 1'000'000 / options.rate);
      if (std::chrono::steady_clock::now() < due) {
        rd_kafka_poll(rk, 0);
        std::this_thread::sleep_until(
            std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
        continue;
      }
    }
    value.clear();
    gen.next(value);
    key = "u" + std::to_string(gen.lastUser());
    while (rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(),
                            value.size(), key.data(), key.size(), nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::cerr << "weir: producing failed: " << rd_kafka_err2str(rd_kafka_last_error())
                  << std::endl;
        break;
      }
      rd_kafka_poll(rk, 50);
    }
    ++sent;
    if (sent % 1024 == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 30'000);
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  return acked.load();
}

int runKafkaDev(const KafkaDevOptions& options) {
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  connectors::kafka::LocalCluster cluster(options.brokers);
  for (const auto& spec : options.topics) {
    auto colon = spec.find(':');
    std::string name = spec.substr(0, colon);
    int partitions = colon == std::string::npos ? 1 : std::stoi(spec.substr(colon + 1));
    if (name.empty() || partitions < 1) {
      std::cerr << "weir kafka-dev: --topic takes NAME or NAME:PARTITIONS, got '" << spec << "'"
                << std::endl;
      return 2;
    }
    cluster.createTopic(name, partitions);
  }
  std::string servers = cluster.bootstrapServers();
  std::cout << "bootstrap.servers=" << servers << std::endl;
  if (!options.bootstrapFile.empty()) {
    std::ofstream(options.bootstrapFile, std::ios::trunc) << servers << "\n";
  }
  std::thread forwarder;
  if (options.port > 0) {
    forwarder = std::thread(forward, options.port, servers.substr(0, servers.find(',')));
    std::cout << "also accepting clients at 127.0.0.1:" << options.port << std::endl;
  }
  std::thread generator;
  std::atomic<bool> stopGenerator{false};
  if (!options.generateTopic.empty()) {
    ProduceOptions produce = options.produce;
    produce.bootstrap = servers;
    produce.topic = options.generateTopic;
    std::cout << "producing golden events into " << produce.topic << " at "
              << (produce.rate > 0 ? std::to_string(produce.rate) + " events/s"
                                   : std::string("full speed"))
              << std::endl;
    generator = std::thread([produce, &stopGenerator] {
      try {
        produceEvents(produce, stopGenerator);
      } catch (const std::exception& e) {
        std::cerr << "weir kafka-dev: " << e.what() << std::endl;
      }
    });
  }
  std::signal(SIGUSR1, onOutageSignal);
  std::signal(SIGUSR2, onOutageSignal);
  while (!gStop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (int request = gOutageRequest.exchange(0); request != 0) {
      for (int id = 1; id <= options.brokers; ++id) {
        if (request == 1) {
          cluster.setBrokerDown(id);
        } else {
          cluster.setBrokerUp(id);
        }
      }
      std::cout << (request == 1 ? "brokers down (SIGUSR1)" : "brokers up (SIGUSR2)") << std::endl;
    }
  }
  stopGenerator = true;
  if (generator.joinable()) generator.join();
  if (forwarder.joinable()) forwarder.join();
  std::cout << "weir kafka-dev: stopped (the broker kept its data in memory only)" << std::endl;
  return 0;
}

}  // namespace weir::tools
