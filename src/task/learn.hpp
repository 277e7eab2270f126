#pragma once
// Unsupervised learning of images by spike-timing-dependent plasticity, after Diehl & Cook,
// "Unsupervised learning of digit recognition using spike-timing-dependent plasticity",
// Front. Comput. Neurosci. 9, 99 (2015) (`ionsim learn FILE.toml --out DIR`,
// docs/tasks/learning.md).
//
// The network (built with the network engine): Poisson inputs, one per pixel, at a rate
// proportional to the pixel; an excitatory layer (lif_coba with an adaptive threshold) fed by
// all inputs through plastic synapses (the rule: triplet STDP as Diehl & Cook write it, with
// nearest-spike or all-to-all pairing); an inhibitory layer, one neuron per excitatory neuron, that
// inhibits all the other excitatory neurons (lateral inhibition: winner takes most). The ionic
// version: the excitatory layer of 1M1T1R neurons (`dm1t1r`, adaptive threshold on the input
// integrator), each spike taking charge from every other neuron's integrator (no inhibitory layer).
// Each image is shown for `present`, then the inputs fall silent for `rest`; an image that drew
// fewer than `min_spikes` excitatory spikes is shown again at a higher rate. Before each image
// every excitatory neuron's input weights are scaled to a fixed sum (or Euclidean norm).
//
// After training, learning stops (weights and thresholds fixed), the training images are
// shown once more and each neuron is labelled with the class it answers most to; a test image
// is classified by the class whose neurons answer most on average (or with each neuron's answer
// weighted by how much of its labelling answers went to its class: `vote`). A linear read-out
// of the same counts can be fitted beside the vote (`readout`).
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/archive.hpp"
#include "task/dataset.hpp"

namespace ionsim::task {

struct learn_config {
  std::string source;  // the file, for messages
  // [data]
  std::string dataset = "digits";  // digits | fashion_mnist
  std::size_t train = 0;           // images to train on (0: digits the first half, Fashion all)
  std::size_t test = 0;            // images to test on (0: digits the second half, Fashion all)
  // [encoding]
  double max_rate = 63.75;   // [Hz] rate of a pixel of value 1
  double read_max_rate = 0;  // [Hz] max_rate while labelling and testing (0: max_rate)
  double present = 0.35;     // [s]
  double read_present = 0;   // [s] present while labelling and testing (0: present)
  double rest = 0.15;        // [s]
  int min_spikes = 5;        // excitatory spikes an image must draw
  // true: every image scaled to the training images' mean Euclidean norm before it is encoded
  // (each image drives the network alike, whatever its brightness); false: the pixels as they are
  bool image_l2 = false;
  // [network]
  std::size_t neurons = 100;  // excitatory neurons (as many inhibitory)
  // "lif": lif_coba neurons, an inhibitory layer; "dm1t1r": 1M1T1R neurons (the calibrated
  // preset, the hybrid integrator) inhibiting each other directly, weights in V
  std::string neuron = "lif";   // (dm1t1r: other defaults, parse_learn_config)
  double tau_in = 20e-3;        // [s] dm1t1r: time constant of the input integrator
  double v_max = 0.95;          // [V] dm1t1r: output range of the input integrator
  double dt = 0.5e-3;           // [s]
  double w_exc_inh = 10.4;      // [1] excitatory to its inhibitory partner
  double w_inh_exc = 17.0;      // [1] inhibitory to every other excitatory neuron
  double theta_plus = 0.05e-3;  // [V] threshold jump per spike
  double tau_theta = 1e4;       // [s] threshold decay
  double target_rate = 0;       // [Hz] the threshold's drift drives toward it (0: none)
  // [plasticity]: w -= nu_pre o1 at an input spike; w += nu_post r1 o2 at an excitatory spike
  double nu_pre = 1e-4;
  double nu_post = 1e-2;
  double tau_pre = 20e-3;    // [s] r1
  double tau_post = 20e-3;   // [s] o1
  double tau_post2 = 40e-3;  // [s] o2
  double w_max = 1.0;
  double w_init = 0.3;  // initial weights uniform in [0, w_init]
  double norm = 0.1;    // mean input weight after normalization (Diehl & Cook: 78 / 784)
  // Before each training image each neuron's input weights are scaled so that their mean
  // (false: Diehl & Cook's sum) or their root mean square (true: the Euclidean norm, Oja's) is
  // `norm`.
  bool l2_norm = false;
  // The traces r1, o1, o2: "nearest", each spike sets its trace to 1 (Diehl & Cook's);
  // "all_to_all", each spike adds 1 (the trace grows with the rate).
  std::string pairing = "nearest";
  // A programmed device for the input synapses (network/device_update.hpp): the changes become
  // pulses; empty: abstract weights.
  std::string device;
  bool stochastic_pulses = false;
  // [training]
  std::size_t epochs = 1;
  std::uint64_t seed = 1;
  std::size_t label_images = 0;  // the last ones of the training set label the neurons (0: all)
  // How a test image's class is decided: false, Diehl & Cook's "all activity" (the class whose
  // neurons answered most on average); true, Hazan et al.'s "proportion weighting" (BindsNET,
  // Front. Neuroinform. 12, 89 (2018)): each neuron's count weighted by the part of its
  // labelling answers that went to its class.
  bool proportion_vote = false;
  // "ridge": beside the vote, a linear read-out of the same spike counts, fitted on the
  // labelling images' counts with their classes (ridge_classes); "none": the vote alone.
  std::string readout = "none";
  // Not in the file (`ionsim learn --trained`): a trained network's state (trained.state, as
  // learn_result::trained) to label and test instead of training; empty: train.
  std::string trained;

  // [Hz] the rate of a pixel of value 1 while labelling and testing
  double reading_rate() const { return read_max_rate > 0 ? read_max_rate : max_rate; }
  // [s] how long an image is shown while labelling and testing
  double reading_time() const { return read_present > 0 ? read_present : present; }
};

// Reads and checks a learning file; every problem is an input_error naming the file and line.
learn_config read_learn_config(const std::string& path);
learn_config parse_learn_config(const std::string& text, const std::string& source);

// The training and test images of c: digits split in halves, Fashion-MNIST's own split, each
// cut to c.train and c.test images, and scaled to a common norm where c.image_l2 asks for it.
void learn_data(const learn_config& c, dataset& train, dataset& test);

// Every image (row) of both sets scaled to the training images' mean Euclidean norm; a blank
// image stays blank.
void scale_to_common_norm(dataset& train, dataset& test);

// Diehl & Cook's labels: each neuron's class is the one it answered most to on average
// (answer: [neuron][class] summed spike counts while labelling; shown: images per class); -1
// for a neuron that never answered, which then takes no part in the vote (as in their code).
// share: the part of the neuron's mean answers that went to its class (Hazan et al.'s
// proportion; 0 for a silent neuron).
struct neuron_labels {
  std::vector<int> label;
  std::vector<double> share;
};
neuron_labels label_neurons(const Eigen::MatrixXd& answer, const std::vector<double>& shown);

// The class of an image from its spike counts `got`: the class whose labelled neurons answered
// most on average, each count weighted by its neuron's share when `proportion` is true.
int vote(const std::vector<double>& got, const neuron_labels& l, bool proportion, int classes);

// A linear read-out of spike counts, beside the vote (not Diehl & Cook's: the read-out is
// fitted to the classes, as the linear baselines on the pixels are): each image's counts as
// shares of its spikes (an image that drew none: zeros), standardised over the labelling images
// (label_counts: [image][neuron]), ridge regression onto the one-hot classes with the
// regularisation chosen by 5-fold cross-validation (readout.hpp); returns the class of each row
// of test_counts, and the regularisation chosen in `lambda`.
std::vector<int> ridge_classes(const Eigen::MatrixXd& label_counts, const std::vector<int>& labels,
                               int classes, const Eigen::MatrixXd& test_counts,
                               double* lambda = nullptr);

struct learn_result {
  nlohmann::json results;               // results.json
  Eigen::MatrixXd weights;              // [input][neuron] learned weights
  std::vector<int> assignment;          // class of each excitatory neuron (-1: never answered)
  Eigen::MatrixXi confusion;            // [true][predicted] on the test images
  std::vector<double> w_hist_t;         // [images] when the weight histograms were taken
  std::vector<Eigen::VectorXd> w_hist;  // weight histograms (20 bins over [0, w_max])
  std::size_t image_rows = 0, image_cols = 0;
  bool interrupted = false;
  // The network as training left it (weights, thresholds and every other state) with what
  // training recorded (write_archive kind "learn"); empty when training was interrupted.
  // Read back through learn_config::trained, it is labelled and tested as this run was.
  archive trained;
};

// results.json: r.results with the class of each neuron, the confusion matrix, the weight
// histograms and the image shape.
nlohmann::json learn_report(const learn_result& r);

// Trains, labels and tests; progress(fraction, message) now and then. When `stop` becomes
// true (checked after each image) it returns at once with what it has: the weights learned so
// far, results["interrupted"] = true, and no accuracy (null) unless the test was complete.
learn_result run_learning(const learn_config& c,
                          const std::function<void(double, const std::string&)>& progress = {},
                          const std::atomic<bool>* stop = nullptr);

}  // namespace ionsim::task
